package journal

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// A session that journals for a week must not grow its write-ahead file for
// a week: once the file passes walRotateBytes, the committer empties it as
// soon as badger provably holds every record in it on the disk. That is the
// case when, after badger's DB.Sync (an msync of the active memtable's log),
// the active memtable is the only one left: every older memtable has then
// been written out as a table, which badger msyncs and records in its fsynced
// manifest before it deletes the memtable's log. The journal's directory is
// fsynced too (badger does not sync it after a memtable flush), and only then
// is the file truncated. If a flush is still under way the committer tries
// again a little later; nothing waits for it.
//
// Windows keeps the write-ahead file until a clean Close, as before: there
// badger's msync is an empty stub (see wal.go), so no state of badger's files
// is known to be on the disk while it runs, and the file is the only durable
// copy of the session's records.

// walRotateBytes is the size past which the committer empties the file; a
// variable for tests. 8 MiB is about 80,000 records: one memtable flush and
// three fsyncs per 80,000 records, against one fsync per group.
var walRotateBytes int64 = 8 << 20

// walRotates: badger's files reach the disk when it syncs them.
const walRotates = runtime.GOOS != "windows"

// maybeRotateWAL runs in the committer after a group was written to badger.
func (j *Journal) maybeRotateWAL() {
	w := j.wal
	if w == nil || !walRotates || w.pinned || w.size < w.nextTry {
		return
	}
	ok, err := j.badgerDurable()
	if err == nil && ok {
		err = w.reset()
	}
	switch {
	case err != nil:
		j.log.Warn("write-ahead file not emptied; it keeps every record and is retried", zap.Error(err), zap.Int64("bytes", w.size))
		w.nextTry = w.size + walRotateBytes
	case !ok:
		w.nextTry = w.size + walRotateBytes/32
	default:
		j.walRotations.Add(1)
		w.nextTry = walRotateBytes
	}
}

// badgerDurable reports whether every record badger has accepted so far is on
// the disk in badger's own files. It must run where no record is being
// written (the committer, between groups).
func (j *Journal) badgerDurable() (bool, error) {
	before, err := memtableLogs(j.dir)
	if err != nil || len(before) == 0 {
		return false, err
	}
	if err := j.db.Sync(); err != nil {
		return false, fmt.Errorf("sync badger: %w", err)
	}
	after, err := memtableLogs(j.dir)
	if err != nil {
		return false, err
	}
	// One log, and the newest before the sync: it was the active memtable
	// when DB.Sync ran (no newer one appeared), and every older one is gone,
	// i.e. flushed to a synced table.
	if len(after) != 1 || after[0] != before[len(before)-1] {
		return false, nil
	}
	return true, syncDir(j.dir)
}

// memtableLogs lists the numbers of badger's memtable logs (NNNNN.mem),
// in ascending order.
func memtableLogs(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list journal: %w", err)
	}
	var ids []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".mem")
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		ids = append(ids, id)
	}
	// ReadDir sorts by name, and badger's names are zero-padded to five
	// digits only: sort by number.
	slices.Sort(ids)
	return ids, nil
}

// syncDir makes the directory's entries (badger's new tables, its deleted
// memtable logs) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync journal directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync journal directory: %w", err)
	}
	return nil
}
