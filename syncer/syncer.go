package syncer

import (
	"fmt"
	"os"
	"path"
	"strings"

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
}

// Syncer runs logon merges and logoff replays for one cache.
type Syncer struct {
	cfg    Config
	local  *local
	log    *zap.Logger
	names  winname.Spellings // the server's spellings, for a logoff
	lnames winname.Spellings // the cache's
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
	s := &Syncer{cfg: cfg, local: l, log: cfg.Log}
	if err := s.rekeyBases(); err != nil {
		l.close()
		return nil, fmt.Errorf("open journal bases: %w", err)
	}
	return s, nil
}

// AllowMassDelete lifts the MassDeletePercent guard for this syncer's runs.
func (s *Syncer) AllowMassDelete(ok bool) { s.cfg.AllowMassDelete = ok }

// Close releases the cache directory.
func (s *Syncer) Close() error { return s.local.close() }

// roams reports whether rel takes part in syncing at all: nonroaming folders,
// roamfs' temporary files and its metadata never do.
func (s *Syncer) roams(rel string) bool {
	if rel == "" || isTemp(rel) || rel == ServerMetaName {
		return false
	}
	return !s.cfg.Policy.Nonroaming(rel)
}

// pending is the set of paths with journaled, unsynced intent. A touched
// directory (created, renamed) covers its whole subtree.
type pending struct {
	through  uint64
	paths    map[string]bool   // by key
	spelling map[string]string // key → the cache's spelling
}

func (s *Syncer) loadPending() (*pending, error) {
	pd := &pending{paths: map[string]bool{}, spelling: map[string]string{}}
	err := s.cfg.Journal.Scan(false, func(r journal.Record) error {
		pd.through = r.Seq
		// The new name last: a rename that changes only case must leave the
		// key spelled as the cache now has it.
		for _, p := range []string{r.OldPath, r.Path} {
			p = strings.Trim(p, "/")
			if p != "" {
				pd.paths[s.key(p)] = true
				pd.spelling[s.key(p)] = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return pd, nil
}

// covers reports whether key k or one of its ancestors has a pending change, or
// rel is an ancestor of one (a directory holding pending work is never removed).
func (pd *pending) covers(rel string) bool { // rel is a key
	for p := rel; p != "." && p != ""; p = path.Dir(p) {
		if pd.paths[p] {
			return true
		}
	}
	for p := range pd.paths {
		if strings.HasPrefix(p, rel+"/") {
			return true
		}
	}
	return false
}
