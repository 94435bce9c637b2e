package overlay

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
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

// core is what a Profile is apart from its way into the cache: the journal,
// the rules and the gates, the same for both backends.
type core struct {
	root    string
	j       Journal
	pol     *policy.Policy
	session string
	log     *zap.Logger
	asRoot  bool
	hives   *hiveGate
	space   spaceCheck
	// fetcher brings the data of a streamed logon's placeholders (fetch.go);
	// nil when nothing is pending.
	fetcher   Fetcher
	fetchWait time.Duration
	// lazy creates the contents of folders a streamed logon left
	// unmaterialized (lazy.go); nil when every folder is.
	lazy  Materializer
	files *openFiles // open handles, for the live profile (openfiles.go)
}

func newCore(dir string, j Journal, pol *policy.Policy, session string, log *zap.Logger) core {
	if pol == nil {
		pol = policy.Default()
	}
	if log == nil {
		log = zap.NewNop()
	}
	return core{root: dir, j: j, pol: pol, session: session, log: log, asRoot: os.Geteuid() == 0, hives: newHiveGate(),
		files: newOpenFiles()}
}

// Root is the cache directory the profile is served from.
func (c *core) Root() string { return c.root }

// Roams reports whether changes to rel are journaled and uploaded.
func (c *core) Roams(rel string) bool {
	return !c.pol.Nonroaming(rel)
}

// noWaitJournal is a journal that can take a record without waiting for it
// to be durable (journal.Journal can).
type noWaitJournal interface {
	AppendNoWait(recs ...journal.Record) error
}

// recordLazily journals a record that acknowledges nothing (the final size
// at release) without waiting for its fsync, where the journal allows it.
func (c *core) recordLazily(op journal.Op, rel string, size int64) {
	if !c.Roams(rel) {
		return
	}
	r := journal.Record{Time: time.Now(), Session: c.session, Op: op, Path: rel, Size: size}
	var err error
	if nw, ok := c.j.(noWaitJournal); ok {
		err = nw.AppendNoWait(r)
	} else {
		_, err = c.j.Append(r)
	}
	if err != nil {
		c.log.Warn("journal append failed", zap.String("op", string(op)), zap.String("path", rel), zap.Error(err))
	}
}

// record journals one operation if it touches a roaming path. For a rename it is
// enough that one side roams: moving a file out of AppData/Local into Documents
// must upload it, moving it the other way must delete it on the server.
func (c *core) record(op journal.Op, rel, oldRel string, size int64) error {
	if !c.Roams(rel) && (oldRel == "" || !c.Roams(oldRel)) {
		return nil
	}
	_, err := c.j.Append(journal.Record{
		Time:    time.Now(),
		Session: c.session,
		Op:      op,
		Path:    rel,
		OldPath: oldRel,
		Size:    size,
	})
	if err != nil {
		c.log.Error("journal append failed", zap.Int("event_id", event.JournalFailed), zap.String("op", string(op)), zap.String("path", rel), zap.Error(err))
		return fmt.Errorf("journal %s %s: %w", op, rel, journalErrno(err))
	}
	return nil
}

// journalErrno is what the application sees when its operation could not be
// journaled: a full disk is the application's to see (ENOSPC); anything else
// is an I/O error. Both are syscall.Errno values on every OS (invented ones on
// Windows, which the cgofuse adapter maps), so front ends translate them as
// they translate any other errno.
func journalErrno(err error) syscall.Errno {
	for _, full := range diskFull {
		if errors.Is(err, full) {
			return syscall.ENOSPC
		}
	}
	return syscall.EIO
}

// accessWrites reports whether open flags (os.O_*) ask for write access.
func accessWrites(flags int) bool {
	return flags&(os.O_WRONLY|os.O_RDWR) != 0
}
