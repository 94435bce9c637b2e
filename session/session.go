package session

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"roamfs/journal"
	"roamfs/overlay"
	"roamfs/syncer"
)

// Session is one logon → logoff on this machine: the daemon's whole life.
//
// Lock order: jmu (held for reading by control requests) before round,
// before writeBack.mu and hiveStream.mu; mu is taken alone.
type Session struct {
	cfg  Config
	id   string
	host string
	log  *zap.Logger
	eng  *engine
	j    *journal.Journal // eng.j
	sy   *syncer.Syncer   // eng.sy
	prof *overlay.Profile
	mnt  Mounted
	// mounted is set once the logon has mounted the profile: control
	// requests that act on the session (plan, logoff, hive upload) wait
	// for it; status and journal answer during the logon.
	mounted atomic.Bool
	hive    *hiveStream
	fill    *fill // the streamed logon's background fill; nil when none runs
	// fillFrom is what the running fill started with (nil when none
	// runs), for its progress (fillProgress).
	fillFrom atomic.Pointer[fillStart]
	wb       *writeBack
	quota    statusQuota // status's measurement of the profile's size

	// round serialises what plans with the syncer: write-back rounds, the
	// logoff, dry runs, hive uploads (writeback.go).
	round sync.Mutex

	stopWarn context.CancelFunc

	// jmu keeps the journal open while a control request reads it; closed is
	// set when the session closes it, after which requests are turned away.
	jmu    sync.RWMutex
	closed bool

	mu       sync.Mutex
	waiters  []chan Reply // `roamfs logoff` callers waiting for the sync
	unmountQ chan struct{}
}

// Open opens the cache, its journal and the server copy. It fails fast,
// before anything is mounted, and says what to do.
func Open(cfg Config) (*Session, error) {
	if cfg.Mount == nil {
		return nil, errors.New("session: no mount function")
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	s := &Session{cfg: cfg, id: uuid.NewString(), unmountQ: make(chan struct{}, 1)}
	if err := cfg.Layout.Create(); err != nil {
		return nil, err
	}
	s.host = MachineName(cfg.Layout)
	s.log = cfg.Log.With(zap.String("session", s.id))
	eng, err := openEngine(engineConfig{
		layout: cfg.Layout, server: cfg.Server, pol: cfg.Policy, log: s.log, session: s.id,
		credentials: cfg.Credentials, s3: cfg.S3,
		user: cfg.User, open: cfg.OpenStore, logon: true,
	})
	if err != nil {
		return nil, err
	}
	s.eng, s.j, s.sy = eng, eng.j, eng.sy
	return s, nil
}

// ID is the session's id, as the journal and the status record it.
func (s *Session) ID() string { return s.id }

// Close stops what runs beside the mount and closes the journal; control
// requests that need it are turned away from now on. The journal is closed
// before `roamfs logoff` hears the outcome, so a command run right after it
// can open the cache.
func (s *Session) Close() {
	if s.stopWarn != nil {
		s.stopWarn()
	}
	s.fill.stop()
	s.wb.stop()
	s.sy.StopFetches()
	if s.hive != nil {
		s.hive.close()
	}
	if s.prof != nil {
		s.prof.Close()
	}
	s.jmu.Lock()
	s.closed = true
	s.jmu.Unlock()
	s.eng.close()
	s.log.Sync()
}
