package session

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// The daemon holds the journal (badger allows one process), so commands that
// read it while a session runs ask the daemon over a unix socket in the
// cache's state directory (cachedir.Layout.Socket); Client is their side.
// The paths and the JSON they answer with:
const (
	pathStatus     = "/status"      // GET: cachedir.Status
	pathJournal    = "/journal"     // GET [?all=1]: JournalEntry lines, or one {"error": ...} line
	pathPlan       = "/plan"        // GET: []PlanEntry
	pathDryRun     = "/dry-run"     // GET [?allow_mass_delete=1]: DryRun
	pathProgress   = "/progress"    // GET: syncer.Progress of the running logon or logoff
	pathLazyCopies = "/lazy-copies" // GET: []LazyFile, the conflict copies below folders not yet materialized
	pathHiveUpload = "/hive/upload" // POST: syncer.HiveResult
	pathLogoff     = "/logoff"      // POST [?allow_mass_delete=1]: Reply, once the sync is done
	pathWriteBack  = "/write-back"  // POST [?allow_mass_delete=1]: Reply, once a write-back round is done
)

// controlServer is a session's control socket.
type controlServer struct{ srv *http.Server }

func (s *Session) startControl() (*controlServer, error) {
	sock := s.cfg.Layout.Socket()
	if sock[0] != '@' {
		os.Remove(sock) // a dead daemon's
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", sock, err)
	}
	srv := &http.Server{Handler: s.controlMux(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &controlServer{srv}, nil
}

func (c *controlServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.srv.Shutdown(ctx)
}

func (s *Session) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathStatus, s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.status()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(st)
	}))
	mux.HandleFunc("GET "+pathJournal, s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		bw := bufio.NewWriter(w)
		if err := WriteJournal(bw, s.j, r.URL.Query().Get("all") == "1"); err != nil {
			fmt.Fprintf(bw, "{\"error\":%q}\n", err.Error())
		}
		bw.Flush()
	}))
	mux.HandleFunc("POST "+pathWriteBack, s.whenMounted(s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(s.writeBackNow(r.Context(), r.URL.Query().Get("allow_mass_delete") == "1"))
	})))
	mux.HandleFunc("GET "+pathPlan, s.whenMounted(s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		s.round.Lock()
		defer s.round.Unlock()
		plan, err := s.sy.PlanLogoff(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(PlanEntries(plan))
	})))
	mux.HandleFunc("GET "+pathDryRun, s.whenMounted(s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(s.DryRun(r.Context(), r.URL.Query().Get("allow_mass_delete") == "1"))
	})))
	mux.HandleFunc("GET "+pathProgress, s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		p := s.sy.Progress()
		p.Fill = s.fillProgress()
		json.NewEncoder(w).Encode(p)
	}))
	mux.HandleFunc("GET "+pathLazyCopies, s.whileOpen(s.serveLazyCopies))
	mux.HandleFunc("POST "+pathHiveUpload, s.whenMounted(s.whileOpen(func(w http.ResponseWriter, r *http.Request) {
		res, err := s.hive.upload(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(res)
	})))
	mux.HandleFunc("POST "+pathLogoff, s.whenMounted(func(w http.ResponseWriter, r *http.Request) {
		// Not the request's context: a `roamfs logoff` interrupted by Ctrl-C
		// closes its connection, and the logoff it asked for goes on (the
		// CLI says so); the checks must not be cancelled half way.
		ctx := context.WithoutCancel(r.Context())
		if refused := s.precheck(ctx, r.URL.Query().Get("allow_mass_delete") == "1"); refused != nil {
			json.NewEncoder(w).Encode(refused)
			return
		}
		json.NewEncoder(w).Encode(<-s.requestLogoff())
	}))
	return mux
}

// whenMounted wraps a handler that acts on the mounted session: during the
// logon it answers 409 with what to do.
func (s *Session) whenMounted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.mounted.Load() {
			http.Error(w, "the session is still logging on: try again once `roamfs logon` has returned", http.StatusConflict)
			return
		}
		h(w, r)
	}
}

// whileOpen wraps a handler that needs the journal: it runs only while the
// session still has it, so a command racing the end of the session is told
// to come back (it then reads the journal itself).
func (s *Session) whileOpen(h http.HandlerFunc) http.HandlerFunc {
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
