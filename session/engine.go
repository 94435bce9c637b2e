package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/store/s3"
	"roamfs/store/smb"
	"roamfs/syncer"
)

// engine is what a sync runs on: the cache's journal and a syncer between the
// cache's profile and the server copy. The session and the offline sync open
// it here, once, so that they cannot drift apart: both retry the server copy
// and log each retry, both give what they bring into the cache to the
// profile's user.
type engine struct {
	log *zap.Logger
	pol *policy.Policy
	j   *journal.Journal
	sy  *syncer.Syncer
}

type engineConfig struct {
	layout  cachedir.Layout
	server  string
	pol     *policy.Policy
	log     *zap.Logger
	session string // tags the records the sync itself journals
	user    User
	open    StoreOpener // nil: a directory or an smb:// address
	// credentials is the SMB credentials file for an smb:// server.
	credentials string
	s3          S3Options // for an s3:// server
	// logon: a missing server folder is a new profile (created and given to
	// the user) for a cache that has none, and a server copy that cannot be
	// opened leaves a cached profile usable: Windows logs on with the cached
	// copy too.
	logon bool
	// replaceDamaged moves an unusable journal aside and starts an empty one
	// (`sync --full`, which needs no journal).
	replaceDamaged bool
}

// openEngine opens the journal, the server copy and the syncer. It fails
// fast, before anything is changed, and says what to do.
func openEngine(c engineConfig) (*engine, error) {
	if c.log == nil {
		c.log = zap.NewNop()
	}
	j, err := journal.Open(c.layout.Journal(), journal.Options{Logger: c.log})
	if err != nil && c.replaceDamaged && !errors.Is(err, journal.ErrLocked) {
		j, err = replaceJournal(c.layout, c.log, err)
	}
	if err != nil {
		return nil, ExplainLocked(c.layout, err)
	}
	srv, err := c.openServer()
	if err != nil {
		j.Close()
		return nil, err
	}
	host := MachineName(c.layout)
	// A fetch stages its file beside the profile; what a killed one left
	// there is garbage.
	os.RemoveAll(c.layout.Fetching())
	if err := os.MkdirAll(c.layout.Fetching(), 0o700); err != nil {
		j.Close()
		return nil, fmt.Errorf("create %s: %w", c.layout.Fetching(), err)
	}
	sy, err := syncer.New(syncer.Config{
		ProfileDir: c.layout.Profile(), Journal: j, Store: srv, Policy: c.pol,
		Log: c.log, Host: host, Session: c.session, Owner: c.user.Owner,
		// Mirror mode (NT 4.0's Xcopy) makes the server a copy of the cache:
		// it needs the data itself there, so it never streams.
		Stream:        c.logon && c.pol != nil && c.pol.PSEnabled && c.pol.MergeMode != policy.MergeModeMirror,
		StageDir:      c.layout.Fetching(),
		NamespaceFile: c.layout.Namespace(),
	})
	if err != nil {
		j.Close()
		return nil, err
	}
	return &engine{log: c.log, pol: c.pol, j: j, sy: sy}, nil
}

// openServer opens the server copy behind the retrying decorator.
func (c engineConfig) openServer() (store.Store, error) {
	open := c.open
	if open == nil {
		open = dirOpener(c.user)
		switch {
		case smb.IsURL(c.server):
			open = smbOpener(c.credentials)
		case s3.IsURL(c.server):
			open = s3Opener(c.s3)
		}
	}
	cached := c.logon && cachedProfile(c.layout)
	// A missing server folder is a new profile only for a cache that has
	// none: otherwise the share is not there, and the cache is what we have.
	st, err := open(c.server, c.logon && !cached)
	if err == nil {
		err = c.checkLimits(st)
	}
	switch {
	case errors.Is(err, store.ErrCredentials) || errors.Is(err, ErrCaseSensitive) || errors.Is(err, s3.ErrNoBucket):
		// Not a server that is away: logging on with the cache would only
		// put off the failure to the logoff.
		return nil, err
	case err != nil && cached:
		return store.Unavailable{Path: c.server, Err: err}, nil // logon goes on with the cache
	case err != nil && c.logon:
		return nil, fmt.Errorf("the server side: %w; there is no cached copy of this profile to log on with: check that the share or bucket is reachable and the path is right, then log on again", err)
	case err != nil:
		return nil, err
	}
	r := store.NewRetry(st)
	r.OnRetry = func(op string, attempt int, err error) {
		c.log.Warn("server operation failed; retrying", zap.Int("event_id", event.ServerRetry), zap.String("op", op), zap.Int("attempt", attempt), zap.Error(err))
	}
	return r, nil
}

func (e *engine) close() {
	e.sy.Close()
	if err := e.j.Close(); err != nil {
		e.log.Error("close journal", zap.Int("event_id", event.CacheFailed), zap.Error(err))
	}
}

// dirOpener opens a server copy that is a directory (a mounted share),
// giving a folder it creates to the user, like the folder Windows creates
// for a new roaming profile.
func dirOpener(u User) StoreOpener {
	return func(dir string, create bool) (store.Store, error) {
		_, statErr := os.Stat(dir)
		st, err := store.OpenDir(dir, create)
		if err != nil {
			return nil, fmt.Errorf("open server copy: %w", err)
		}
		if errors.Is(statErr, os.ErrNotExist) && u.Owner != nil {
			if err := os.Chown(dir, u.Owner.UID, u.Owner.GID); err != nil {
				st.Close()
				return nil, fmt.Errorf("give the new server folder %s to %s: %w", dir, u.Name, err)
			}
		}
		return st, nil
	}
}

// smbOpener opens an smb:// server copy (store/smb) with the credentials
// file, or ROAMFS_SMB_PASSWORD when it is "".
func smbOpener(credentials string) StoreOpener {
	return func(spec string, create bool) (store.Store, error) {
		st, err := smb.Open(context.Background(), spec, smb.Options{Credentials: credentials, Create: create})
		if err != nil {
			return nil, fmt.Errorf("open server copy: %w", err)
		}
		return st, nil
	}
}

// s3Opener opens an s3:// server copy (store/s3); the keys come from the
// AWS chain.
func s3Opener(o S3Options) StoreOpener {
	return func(spec string, create bool) (store.Store, error) {
		st, err := s3.Open(context.Background(), spec, s3.Options{Endpoint: o.Endpoint, PathStyle: o.PathStyle, Create: create})
		if err != nil {
			return nil, fmt.Errorf("open server copy: %w", err)
		}
		return st, nil
	}
}

// ErrCaseSensitive: the policy asks for case-sensitive names from a server
// that folds case. A configuration error: nothing was changed.
var ErrCaseSensitive = errors.New("the server compares names case-insensitively")

// checkLimits refuses a policy the server cannot honour: with
// CaseInsensitive false, two local names that differ only in case would
// overwrite each other on a server that folds case.
func (c engineConfig) checkLimits(st store.Store) error {
	if l := store.LimitsOf(st); l != nil && l.FoldsCase() && c.pol != nil && !c.pol.CaseInsensitive {
		if cl, ok := st.(io.Closer); ok {
			cl.Close()
		}
		return fmt.Errorf("%s: %w: the policy's CaseInsensitive: false would let two names that differ only in case overwrite each other there; remove it from the policy",
			st.Root(), ErrCaseSensitive)
	}
	return nil
}

// cachedProfile reports whether the cache holds a profile to log on with.
func cachedProfile(l cachedir.Layout) bool {
	entries, err := os.ReadDir(l.Profile())
	return err == nil && len(entries) > 0
}

// ExplainLocked turns a journal held by another process into a message
// naming the running session.
func ExplainLocked(l cachedir.Layout, err error) error {
	if !errors.Is(err, journal.ErrLocked) {
		return err
	}
	st, _ := l.ReadStatus()
	return fmt.Errorf("the cache: %s is in use by a running session (pid %d, mounted at %s): log that session off first: %w",
		l.Dir, st.PID, st.LocalPath, err)
}

// replaceJournal moves an unusable journal aside (kept for inspection, never
// deleted) and starts an empty one; `sync --full` then reconciles by the
// load-time rules, which need no journal.
func replaceJournal(l cachedir.Layout, log *zap.Logger, cause error) (*journal.Journal, error) {
	aside := fmt.Sprintf("%s.damaged-%s", l.Journal(), time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(l.Journal(), aside); err != nil {
		return nil, fmt.Errorf("journal unusable (%v) and cannot be moved aside: %w", cause, err)
	}
	log.Warn("journal unusable: moved aside, reconciling without it", zap.Int("event_id", event.JournalMovedAside), zap.String("moved_to", aside), zap.Error(cause))
	return journal.Open(l.Journal(), journal.Options{Logger: log})
}
