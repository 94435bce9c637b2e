package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"roamfs/cachedir"
	"roamfs/journal"
)

// The daemon holds the journal (badger allows one process), so commands that
// read it while a session runs ask the daemon over a unix socket in the cache's
// state directory: /status, /journal, /logoff.

func (s *session) startControl() (*http.Server, error) {
	sock := s.cfg.layout.Socket()
	if sock[0] != '@' {
		os.Remove(sock) // a dead daemon's
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", sock, err)
	}
	mux := http.NewServeMux()
	// open wraps a handler that needs the journal: it runs only while the
	// session still has it, so a command racing the end of the session is
	// told to come back (it then reads the journal itself).
	open := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s.jmu.RLock()
			defer s.jmu.RUnlock()
			if s.closed {
				http.Error(w, "session is ending", http.StatusServiceUnavailable)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /status", open(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.cfg.layout.ReadStatus()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		st.PendingChanges = s.j.PendingCount()
		addQuota(&st, s.sy)
		json.NewEncoder(w).Encode(st)
	}))
	mux.HandleFunc("GET /journal", open(func(w http.ResponseWriter, r *http.Request) {
		bw := bufio.NewWriter(w)
		err := writeJournalJSON(bw, s.j, r.URL.Query().Get("all") == "1")
		if err != nil {
			fmt.Fprintf(bw, "{\"error\":%q}\n", err.Error())
		}
		bw.Flush()
	}))
	mux.HandleFunc("GET /plan", open(func(w http.ResponseWriter, r *http.Request) {
		plan, err := s.sy.PlanLogoff(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(planEntries(plan))
	}))
	mux.HandleFunc("POST /hive/upload", open(func(w http.ResponseWriter, r *http.Request) {
		res, err := s.hive.upload(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(res)
	}))
	mux.HandleFunc("POST /logoff", func(w http.ResponseWriter, r *http.Request) {
		if refused := s.precheck(r.Context(), r.URL.Query().Get("allow_mass_delete") == "1"); refused != nil {
			json.NewEncoder(w).Encode(refused)
			return
		}
		reply := <-s.requestLogoff()
		json.NewEncoder(w).Encode(reply)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

func stopControl(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// controlClient talks to a running session's daemon.
type controlClient struct {
	http *http.Client
}

var errNoDaemon = errors.New("no running session")

// dialSession returns a client for the session on this cache, or errNoDaemon.
func dialSession(l cachedir.Layout) (*controlClient, error) {
	sock := l.Socket()
	conn, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return nil, errNoDaemon
	}
	conn.Close()
	return &controlClient{http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}}, nil
}

func (c *controlClient) do(method, path string) (io.ReadCloser, error) {
	req, err := http.NewRequest(method, "http://roamfs"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the session daemon: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			return nil, errSessionEnding
		}
		return nil, fmt.Errorf("session daemon: %s", b)
	}
	return resp.Body, nil
}

var errSessionEnding = errors.New("the session is ending")

// query asks the session on this cache, waiting out a session that is just
// ending; errNoDaemon means the caller reads the cache itself.
func query(l cachedir.Layout, method, path string) (io.ReadCloser, error) {
	for try := 0; try < 100; try++ {
		c, err := dialSession(l)
		if err != nil {
			return nil, errNoDaemon
		}
		body, err := c.do(method, path)
		if !errors.Is(err, errSessionEnding) {
			return body, err
		}
		time.Sleep(50 * time.Millisecond) // the daemon is closing its journal and exiting
	}
	return nil, fmt.Errorf("the session on %s is taking long to end; try again", l.Dir)
}

// journalEntry is one line of `roamfs journal --json`; its keys are a contract.
type journalEntry struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	Session string `json:"session"`
	Op      string `json:"op"`
	Path    string `json:"path"`
	OldPath string `json:"old_path,omitempty"`
	Size    int64  `json:"size"`
	Synced  bool   `json:"synced"`
}

func entryOf(r journal.Record) journalEntry {
	return journalEntry{
		Seq: r.Seq, Time: r.Time.Format(time.RFC3339Nano), Session: r.Session, Op: string(r.Op),
		Path: r.Path, OldPath: r.OldPath, Size: r.Size, Synced: r.Synced,
	}
}

func writeJournalJSON(w io.Writer, j *journal.Journal, all bool) error {
	enc := json.NewEncoder(w)
	return j.Scan(all, func(r journal.Record) error { return enc.Encode(entryOf(r)) })
}
