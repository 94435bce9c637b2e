//go:build linux

// Package overlay is the mounted view of a roaming profile over its local cache.
//
// It offers POSIX operations by profile-relative path and by open handle, decides
// which paths roam (policy exclusions) and records every mutating operation on a
// roaming path in the change journal before the operation is acknowledged to the
// caller. It holds no FUSE types: the go-fuse adapter (and later the WinFsp one)
// translate their requests into these calls, so both front ends share one set of
// profile rules.
//
// Every operation resolves paths relative to a directory file descriptor opened
// beneath the cache root with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): a deep
// tree never overflows PATH_MAX the way root+path strings do, and a symlink in the
// profile can never lead the daemon outside the cache.
package overlay

import (
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"roamfs/journal"
	"roamfs/policy"
)

// Journal is the part of the change journal the overlay needs. Append must be
// durable when it returns: the overlay acknowledges an operation only after it.
type Journal interface {
	Append(recs ...journal.Record) ([]journal.Record, error)
}

// Owner is the user a new file, directory or symlink is given to when the daemon
// runs as root, so files created through the mount belong to their creator.
type Owner struct {
	UID, GID uint32
}

// Profile is the mounted profile: the cache directory plus the journal.
type Profile struct {
	root    string
	rootFd  int
	j       Journal
	pol     *policy.Policy
	session string
	log     *zap.Logger
	asRoot  bool
	hives   *hiveGate
	space   spaceCheck
}

// New opens the profile rooted at dir. The journal receives a record for every
// change to a roaming path; session tags those records.
func New(dir string, j Journal, pol *policy.Policy, session string, log *zap.Logger) (*Profile, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open profile root %s: %w", dir, err)
	}
	if pol == nil {
		pol = policy.Default()
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Profile{root: dir, rootFd: fd, j: j, pol: pol, session: session, log: log, asRoot: unix.Geteuid() == 0, hives: newHiveGate()}, nil
}

// Root is the cache directory the profile is served from.
func (p *Profile) Root() string { return p.root }

// Close releases the root descriptor. Open handles must be released first.
func (p *Profile) Close() error {
	return unix.Close(p.rootFd)
}

// Roams reports whether changes to rel are journaled and uploaded.
func (p *Profile) Roams(rel string) bool {
	return !p.pol.Nonroaming(rel)
}

// noWaitJournal is a journal that can take a record without waiting for it
// to be durable (journal.Journal can).
type noWaitJournal interface {
	AppendNoWait(recs ...journal.Record) error
}

// recordLazily journals a record that acknowledges nothing (the final size
// at release) without waiting for its fsync, where the journal allows it.
func (p *Profile) recordLazily(op journal.Op, rel string, size int64) {
	if !p.Roams(rel) {
		return
	}
	r := journal.Record{Time: time.Now(), Session: p.session, Op: op, Path: rel, Size: size}
	var err error
	if nw, ok := p.j.(noWaitJournal); ok {
		err = nw.AppendNoWait(r)
	} else {
		_, err = p.j.Append(r)
	}
	if err != nil {
		p.log.Warn("journal append failed", zap.String("op", string(op)), zap.String("path", rel), zap.Error(err))
	}
}

// record journals one operation if it touches a roaming path. For a rename it is
// enough that one side roams: moving a file out of AppData/Local into Documents
// must upload it, moving it the other way must delete it on the server.
func (p *Profile) record(op journal.Op, rel, oldRel string, size int64) error {
	if !p.Roams(rel) && (oldRel == "" || !p.Roams(oldRel)) {
		return nil
	}
	_, err := p.j.Append(journal.Record{
		Time:    time.Now(),
		Session: p.session,
		Op:      op,
		Path:    rel,
		OldPath: oldRel,
		Size:    size,
	})
	if err != nil {
		p.log.Error("journal append failed", zap.String("op", string(op)), zap.String("path", rel), zap.Error(err))
		// A full disk is the application's to see; anything else is an I/O error.
		errno := unix.EIO
		if errors.Is(err, unix.ENOSPC) {
			errno = unix.ENOSPC
		}
		return fmt.Errorf("journal %s %s: %w", op, rel, errno)
	}
	return nil
}
