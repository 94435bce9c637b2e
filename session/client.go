package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"roamfs/cachedir"
	"roamfs/syncer"
)

var (
	// ErrNoSession: no session runs on the cache; the caller reads the cache
	// itself.
	ErrNoSession = errors.New("no running session")
	// ErrEnding: the session is closing its journal; ask again (Ask does).
	ErrEnding = errors.New("the session is ending")
)

// Client talks to the session running on a cache over its control socket.
type Client struct {
	layout cachedir.Layout
	http   *http.Client
}

// Dial returns a client for the session on l, or ErrNoSession.
func Dial(l cachedir.Layout) (*Client, error) {
	sock := l.Socket()
	conn, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return nil, ErrNoSession
	}
	conn.Close()
	return &Client{layout: l, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}}, nil
}

// Ask runs fn against the session on l, waiting out a session that is just
// ending; ErrNoSession means the caller reads the cache itself.
func Ask[T any](l cachedir.Layout, fn func(*Client) (T, error)) (T, error) {
	var zero T
	for range 100 {
		c, err := Dial(l)
		if err != nil {
			return zero, ErrNoSession
		}
		v, err := fn(c)
		if !errors.Is(err, ErrEnding) {
			return v, err
		}
		time.Sleep(50 * time.Millisecond) // the daemon is closing its journal and exiting
	}
	return zero, fmt.Errorf("the session on %s is taking long to end; try again", l.Dir)
}

// Status is the status file as the running session completes it (pending
// changes, size against the limit).
func (c *Client) Status() (cachedir.Status, error) {
	return call[cachedir.Status](c, "GET", pathStatus)
}

// Journal is the session's journal: the pending entries, or all of them.
func (c *Client) Journal(all bool) ([]JournalEntry, error) {
	body, err := c.do("GET", withFlag(pathJournal, "all", all))
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return readJournalLines(body)
}

// Plan is what a logoff now would do, step by step.
func (c *Client) Plan() ([]PlanEntry, error) { return call[[]PlanEntry](c, "GET", pathPlan) }

// DryRun is what a logoff now would do and how it would end, checks included.
func (c *Client) DryRun(allowMassDelete bool) (DryRun, error) {
	return call[DryRun](c, "GET", withFlag(pathDryRun, "allow_mass_delete", allowMassDelete))
}

// Progress is how far the session's logon or logoff sync has come.
func (c *Client) Progress() (syncer.Progress, error) {
	return call[syncer.Progress](c, "GET", pathProgress)
}

// UploadHive asks for a background hive upload now (of the hives that
// changed).
func (c *Client) UploadHive() (syncer.HiveResult, error) {
	res, err := call[syncer.HiveResult](c, "POST", pathHiveUpload)
	if err != nil {
		return res, fmt.Errorf("session daemon: %w", err)
	}
	return res, nil
}

// Logoff asks the session to log off and waits for the sync. A logoff that
// did not sync is a *LogoffError carrying its outcome, with the reply.
func (c *Client) Logoff(allowMassDelete bool) (Reply, error) {
	return c.sync(withFlag(pathLogoff, "allow_mass_delete", allowMassDelete))
}

// WriteBack asks the session for a write-back round now and waits for it
// (`roamfs sync` on a running session). A round that did not sync is a
// *LogoffError carrying its outcome, with the reply.
func (c *Client) WriteBack(allowMassDelete bool) (Reply, error) {
	return c.sync(withFlag(pathWriteBack, "allow_mass_delete", allowMassDelete))
}

// sync posts a logoff or a write-back round and reads its Reply.
func (c *Client) sync(path string) (Reply, error) {
	reply, err := call[Reply](c, "POST", path)
	var ce callError
	if errors.As(err, &ce) {
		return reply, fmt.Errorf("session daemon gave no result: %w; run `roamfs status --cache %s`", ce.err, c.layout.Dir)
	}
	if err != nil {
		return reply, err
	}
	return reply, reply.Err()
}

// withFlag adds ?name=1 to path when on.
func withFlag(path, name string, on bool) string {
	if on {
		return path + "?" + name + "=1"
	}
	return path
}

// callError is an answer that could not be decoded.
type callError struct{ err error }

func (e callError) Error() string { return e.err.Error() }
func (e callError) Unwrap() error { return e.err }

// call sends one request and decodes its JSON answer into a T.
func call[T any](c *Client, method, path string) (T, error) {
	var v T
	body, err := c.do(method, path)
	if err != nil {
		return v, err
	}
	defer body.Close()
	if err := json.NewDecoder(body).Decode(&v); err != nil {
		return v, callError{err}
	}
	return v, nil
}

func (c *Client) do(method, path string) (io.ReadCloser, error) {
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
			return nil, ErrEnding
		}
		return nil, fmt.Errorf("session daemon: %s", b)
	}
	return resp.Body, nil
}
