package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/journal"
	"roamfs/store"
	"roamfs/syncer"
)

// offline is a cache opened without a mount, by `roamfs sync` or by a logoff
// that finds its daemon dead.
type offline struct {
	layout cachedir.Layout
	log    *zap.Logger
	j      *journal.Journal
	sy     *syncer.Syncer
}

// openOffline opens the cache's journal and the server copy named by the flags
// or, when they are empty, by the last session's status.
func openOffline(l cachedir.Layout, server, policyFile string, full bool) (*offline, error) {
	if !l.Exists() {
		return nil, usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
	}
	st, err := l.ReadStatus()
	if err != nil {
		return nil, err
	}
	if server == "" {
		server = st.RoamingPath
	}
	if server == "" {
		return nil, usageError{fmt.Errorf("the cache %s does not say which server copy it belongs to; give --server", l.Dir)}
	}
	if policyFile == "" {
		policyFile = st.PolicyFile
	}
	pol, err := loadPolicy(policyFile, "")
	if err != nil {
		return nil, err
	}
	log, err := newFileLogger(l.LogFile(), false)
	if err != nil {
		return nil, err
	}
	j, err := journal.Open(l.Journal(), journal.Options{Logger: log})
	if err != nil && full && !errors.Is(err, journal.ErrLocked) {
		j, err = replaceJournal(l, log, err)
	}
	if err != nil {
		return nil, explainLocked(l, err)
	}
	d, err := store.OpenDir(server, false)
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("open server copy: %w", err)
	}
	s := store.NewRetry(d)
	host, _ := os.Hostname()
	sy, err := syncer.New(syncer.Config{ProfileDir: l.Profile(), Journal: j, Store: s, Policy: pol, Log: log, Host: host, Session: "sync"})
	if err != nil {
		j.Close()
		return nil, err
	}
	return &offline{layout: l, log: log, j: j, sy: sy}, nil
}

// replaceJournal moves an unusable journal aside (kept for inspection, never
// deleted) and starts an empty one; `sync --full` then reconciles by the
// load-time rules, which need no journal.
func replaceJournal(l cachedir.Layout, log *zap.Logger, cause error) (*journal.Journal, error) {
	aside := fmt.Sprintf("%s.damaged-%s", l.Journal(), time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(l.Journal(), aside); err != nil {
		return nil, fmt.Errorf("journal unusable (%v) and cannot be moved aside: %w", cause, err)
	}
	log.Warn("journal unusable: moved aside, reconciling without it", zap.String("moved_to", aside), zap.Error(cause))
	return journal.Open(l.Journal(), journal.Options{Logger: log})
}

func (o *offline) close() {
	o.sy.Close()
	o.j.Close()
	o.log.Sync()
}
