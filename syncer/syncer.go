package syncer

import (
	"fmt"
	"os"

	"go.uber.org/zap"

	"roamfs/internal/winname"
	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
)

// Config is what a sync works on.
type Config struct {
	ProfileDir string // the cache's copy of the profile (what is mounted)
	Journal    *journal.Journal
	Store      store.Store
	Policy     *policy.Policy
	Log        *zap.Logger
	Host       string // this machine, for conflict copy names
	Session    string // tags records the sync itself journals
	Workers    int    // parallel file copies; 0 = 16
	// AllowMassDelete lets a full or mirror sync delete more of the server
	// than MassDeletePercent allows (the administrator said so).
	AllowMassDelete bool
	// Owner is who the files brought into the cache belong to (logon --user).
	Owner *Owner
	// Stream is the streamed logon (policy PSEnabled): a logon puts
	// placeholders in the cache for files with data (not the hive), fetched
	// later with Fetch (unfetched.go, fetch.go).
	Stream bool
	// StageDir is where a fetch writes a file before it is renamed into the
	// cache: outside the mounted profile, on the same file system, so a
	// half-fetched file is never seen through the mount. "" = the file's own
	// folder in the cache.
	StageDir string
	// NamespaceFile is where a streamed logon keeps the namespace of the
	// folders it leaves unmaterialized (lazy.go), in the cache's state
	// folder. "" = a streamed logon materializes every folder at once.
	NamespaceFile string
}

// Syncer runs logon merges and logoff replays for one cache.
type Syncer struct {
	cfg    Config
	local  *local
	log    *zap.Logger
	names  winname.Spellings // the server's spellings, for a logoff
	lnames winname.Spellings // the cache's
	ix     indexState        // the server's profile index (index*.go)
	prog   progress          // the running sync's progress (progress.go)
	// onRefused hears of each server entry the listing refuses (gather.go).
	onRefused func(p string)

	live    *liveRound // the write-back round under way, nil otherwise (live.go)
	marks   unfetched  // placeholders not yet fetched (unfetched.go)
	lazy    lazyDirs   // folders not yet materialized (lazy.go)
	fetches fetches    // fetches in flight (fetch.go)
	cas     *casTags   // the server tags a logoff read (meta_cas.go)
	// prepared is the plan of the check before a logoff's unmount
	// (logoff_prepared.go).
	prepared preparedPlan
}

// New opens the cache's profile directory for syncing. The first New after an
// upgrade re-keys the journal's bases to the current name identity.
func New(cfg Config) (*Syncer, error) {
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	l, err := openLocal(cfg.ProfileDir)
	if err != nil {
		return nil, fmt.Errorf("open cache profile %s: %w", cfg.ProfileDir, err)
	}
	l.owner = cfg.Owner
	rec := newRecorder(cfg.Store) // what the next index update must stat again
	cfg.Store = rec
	s := &Syncer{cfg: cfg, local: l, log: cfg.Log, ix: indexState{rec: rec}, cas: newCASTags(cfg.Store)}
	if err := s.rekeyBases(); err != nil {
		l.close()
		return nil, fmt.Errorf("open journal bases: %w", err)
	}
	if err := s.loadUnfetched(); err != nil {
		l.close()
		return nil, err
	}
	if err := s.loadLazy(); err != nil {
		l.close()
		return nil, err
	}
	s.fetches.init()
	return s, nil
}

// AllowMassDelete lifts the MassDeletePercent guard for this syncer's runs.
func (s *Syncer) AllowMassDelete(ok bool) { s.cfg.AllowMassDelete = ok }

// Close releases the cache directory.
func (s *Syncer) Close() error {
	s.lazy.mat.Lock()
	if s.lazy.ns != nil {
		s.lazy.ns.close()
		s.lazy.ns = nil
	}
	s.lazy.mat.Unlock()
	return s.local.close()
}

// roams reports whether rel takes part in syncing at all: nonroaming folders,
// roamfs' temporary files and its metadata never do.
func (s *Syncer) roams(rel string) bool {
	if rel == "" || isTemp(rel) || isOwnServerFile(rel) {
		return false
	}
	return !s.cfg.Policy.Nonroaming(rel)
}
