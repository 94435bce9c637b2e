package journal

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// Options configure Open.
//
// A ReadOnly open shares the directory lock with other read-only opens and
// fails with ErrLocked while a session holds the journal. If the last session
// was killed, it first replays the journal's log read-write (see Open), the
// one case where a read-only open writes to dir. On Windows badger has no
// read-only mode at all.
type Options struct {
	Logger   *zap.Logger // nil = zap.NewNop()
	NoSync   bool        // tests/benchmarks only: skip fsync (default: every commit is fsynced)
	ReadOnly bool        // open without the exclusive lock, for inspection commands
	// WAL puts the write-ahead file in front of badger (see wal.go) even with
	// NoSync. A durable journal always has it: it is the one flush per group
	// of records (badger's own sync costs two msyncs per commit, and does not
	// reach the disk at all on Windows).
	WAL bool
}

// useWAL: every durable writable journal, and tests that ask for it.
func (o Options) useWAL() bool {
	return !o.ReadOnly && (o.WAL || !o.NoSync || runtime.GOOS == "windows")
}

// Journal is an open change journal. All methods are safe for concurrent use.
//
// Lock order: commitMu, then tableMu, then mu. mu only guards the closed flag
// and the ops count, never a badger call, so a Scan callback may call any
// other method (including Append and Commit) without deadlocking. tableMu
// makes the pending-path table's two parts (pending.go) change together:
// the committer takes it to commit records and fold their paths in, and
// takes no other lock.
type Journal struct {
	dir string
	db  *badger.DB
	log *zap.Logger
	ro  bool

	lastSeq  atomic.Uint64 // highest durable Seq; written only by the committer (and Open)
	writes   atomic.Uint64 // bases, marks and meta writes done (StateVersion)
	wal      *wal          // nil unless Options.WAL
	space    *spaceGuard   // backs badger's mapped files; nil when read-only
	lastTime time.Time     // time of the last record handed a Seq; the committer's alone
	synced   atomic.Uint64 // the watermark; written only under commitMu (and Open)
	txns     atomic.Uint64 // record transactions committed, for benchmarks
	// fresh is the pending-path table's in-memory part: the paths of the
	// records after the stored mark (pending.go). Guarded by tableMu.
	fresh  pathFold
	folded uint64 // the stored mark (t/folded); guarded by tableMu

	walRotations atomic.Uint64 // times the write-ahead file was emptied while open (wal_rotate.go)

	commitMu sync.Mutex // serialises Commit, SetBases and SetMeta
	tableMu  sync.Mutex // guards fresh; held across a commit of records, a store of fresh and a pruning transaction (pending.go)

	mu     sync.Mutex
	closed bool
	ops    sync.WaitGroup // methods in flight; Close waits for them

	reqs          chan *appendReq // unbuffered: see Append
	quit          chan struct{}   // closed by Close: committer drains and exits
	committerDone chan struct{}
	gc            *gcTicker
	trim          *mapTrimmer

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating dir if needed, unless opt.ReadOnly) the journal in
// dir. It fails with an error wrapping ErrLocked if another process has the
// journal open read-write (or, for a read-write open, at all).
func Open(dir string, opt Options) (*Journal, error) {
	if opt.Logger == nil {
		opt.Logger = zap.NewNop()
	}
	if opt.ReadOnly {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open journal %s: %w", dir, err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", dir, err)
	}
	if err := checkTables(dir, badgerOptions(dir, opt)); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", dir, err)
	}
	db, err := badger.Open(badgerOptions(dir, opt))
	if err != nil && opt.ReadOnly && needsRecovery(err) {
		// A killed daemon leaves its memtable log unreplayed, and badger
		// can only replay it read-write. Inspecting a journal after a crash
		// is exactly when `roamfs journal` is wanted, so recover (which
		// keeps every committed write and cuts only the log's unused
		// preallocated tail) and look again.
		opt.Logger.Warn("journal was not closed cleanly; recovering it before opening read-only", zap.String("journal", dir))
		if err = recoverDir(dir, opt); err == nil {
			db, err = badger.Open(badgerOptions(dir, opt))
		}
	}
	if err != nil {
		if isLockError(err) {
			return nil, fmt.Errorf("open journal %s: %w", dir, ErrLocked)
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("open journal %s: %w", dir, err)
		}
		// badger reports damage in its own words ("manifest has bad magic",
		// "checksum mismatch"); say what it means for the user and the way out.
		return nil, fmt.Errorf("open journal %s: %w (badger: %v)", dir, ErrCorrupt, err)
	}
	j := &Journal{
		dir:           dir,
		db:            db,
		log:           opt.Logger.With(zap.String("journal", dir)),
		ro:            opt.ReadOnly,
		reqs:          make(chan *appendReq),
		quit:          make(chan struct{}),
		committerDone: make(chan struct{}),
		fresh:         pathFold{},
	}
	if err := j.load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open journal %s: %w", dir, err)
	}
	if opt.useWAL() {
		if err := j.startWAL(opt.NoSync); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open journal %s: %w", dir, err)
		}
	}
	if !j.ro {
		n, err := j.foldTail()
		if err != nil {
			if j.wal != nil {
				j.wal.close()
			}
			_ = db.Close()
			return nil, fmt.Errorf("open journal %s: %w", dir, err)
		}
		if n > 0 {
			j.log.Info("pending records folded into the pending-path table", zap.Int("records", n))
		}
	}
	if j.ro {
		close(j.committerDone)
	} else {
		j.space = newSpaceGuard(dir, j.log)
		go j.committer()
		j.gc = startGC(db, j.log, gcInterval)
		j.trim = startTrim(dir)
	}
	j.log.Debug("journal open", zap.Uint64("last_seq", j.lastSeq.Load()),
		zap.Uint64("synced_through", j.synced.Load()), zap.Bool("read_only", j.ro))
	return j, nil
}

// isLockError recognises badger's directory-lock failure. badger flattens
// the underlying EWOULDBLOCK into a string (outside its debug mode), so the
// message is all there is; both the flock (Unix) and lock-file (Windows)
// variants contain this sentence.
func isLockError(err error) bool {
	return strings.Contains(err.Error(), "Another process is using this Badger database")
}

func needsRecovery(err error) bool {
	return strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error())
}

// recoverDir opens dir read-write once (taking the exclusive lock, so it
// fails with the lock error if a session started meanwhile) and closes it.
func recoverDir(dir string, opt Options) error {
	opt.ReadOnly = false
	db, err := badger.Open(badgerOptions(dir, opt))
	if err != nil {
		return err
	}
	return db.Close()
}

// load recovers the watermark and LastSeq. LastSeq is one reverse seek to the
// highest r/ key. It is never below the watermark, so that if synced records
// were ever pruned, new records could not be given a Seq that is already
// counted as synced.
func (j *Journal) startWAL(noSync bool) error {
	w, err := openWAL(j.dir)
	if err != nil {
		return err
	}
	w.noSync = noSync
	j.wal = w
	n, err := j.recoverWAL()
	if err != nil {
		w.close()
		return fmt.Errorf("recover from the write-ahead file: %w", err)
	}
	if n > 0 {
		j.log.Warn("records missing from badger recovered from the write-ahead file", zap.Int("records", n))
	}
	return nil
}

func (j *Journal) load() error {
	return j.db.View(func(txn *badger.Txn) error {
		synced, err := readWatermark(txn)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: []byte(prefixRecord)})
		defer it.Close()
		var last uint64
		if it.Seek(recordKey(^uint64(0))); it.Valid() {
			if last, err = seqFromKey(it.Item().Key()); err != nil {
				return err
			}
		}
		j.synced.Store(synced)
		j.lastSeq.Store(max(last, synced))
		return nil
	})
}

// enter marks a method as in flight, or reports ErrClosed. Every method that
// touches the database brackets the call with enter and j.ops.Done.
func (j *Journal) enter() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	j.ops.Add(1)
	return nil
}

func (j *Journal) writable() error {
	if j.ro {
		return ErrReadOnly
	}
	return nil
}

// StateVersion grows whenever anything in the journal changes: a record
// appended, bases committed or set, fetch or folder marks, meta. Read before
// computing something from the journal (a logoff's plan), an unchanged value
// later says nothing changed in between. Each write counts once it is done, so
// a value read first covers every write it saw.
func (j *Journal) StateVersion() uint64 { return j.lastSeq.Load() + j.writes.Load() }

// wrote counts a write for StateVersion; deferred by each writer.
func (j *Journal) wrote() { j.writes.Add(1) }

// LastSeq is the Seq of the newest durable record, 0 for an empty journal.
func (j *Journal) LastSeq() uint64 { return j.lastSeq.Load() }

// SyncedThrough is the watermark: every record with Seq <= it is synced.
func (j *Journal) SyncedThrough() uint64 { return j.synced.Load() }

// PendingCount is the number of records with Seq > SyncedThrough. Seqs are
// dense (a failed append gives its numbers back), so this is a subtraction.
func (j *Journal) PendingCount() int {
	synced := j.synced.Load() // before lastSeq: lastSeq only grows, so last >= synced
	return int(j.lastSeq.Load() - synced)
}

// Close stops the value-log GC and the group committer (committing whatever
// Appends are already queued), waits for methods in flight, and closes
// badger. It is idempotent; later calls return the first call's result.
// Every method called after Close returns ErrClosed.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		j.mu.Lock()
		j.closed = true
		j.mu.Unlock()
		close(j.quit)
		<-j.committerDone
		if j.gc != nil {
			j.gc.stop()
		}
		if j.trim != nil {
			j.trim.close()
		}
		j.ops.Wait()
		if !j.ro {
			// A clean close leaves nothing for the next Open to fold.
			if err := j.storePaths(); err != nil {
				j.log.Warn("pending paths not stored; the next open folds them again from the records", zap.Error(err))
			}
		}
		if err := j.db.Close(); err != nil {
			j.closeErr = fmt.Errorf("close journal %s: %w", j.dir, err)
		}
		if j.wal != nil {
			// badger closed cleanly: its files hold every record.
			if j.closeErr == nil {
				j.closeErr = j.wal.reset()
			}
			j.wal.close()
		}
	})
	return j.closeErr
}
