package journal

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// badger reads and writes its tables through memory maps, and the kernel
// counts every page of a mapped file that was touched in the daemon's RSS:
// a table written by a memtable flush or a compaction stays resident in full,
// and so does every table a logoff's scan reads. After a few hundred thousand
// records that is tens of MB that are really page cache, which the kernel
// would drop at will, yet the daemon looked that large. So the journal hands
// its tables' pages back every trimInterval: MADV_PAGEOUT on each mapped
// .sst file, which writes nothing (tables are synced and never written again)
// and lets the next read fault them in from the disk or the page cache.
//
// MADV_PAGEOUT rather than MADV_DONTNEED because it is nondestructive: the
// ranges come from /proc/self/maps, and a table unmapped in between (a
// compaction deleted it) could leave its address to another mapping, which
// PAGEOUT may at worst make page in again, where DONTNEED would zero it.

// trimInterval bounds how long tables stay resident; a variable for tests.
var trimInterval = 250 * time.Millisecond

// scanTrimEvery: a scan (Scan, Bases) trims as it goes, every this many
// items, at most every scanTrimGap: it reads tables faster than the ticker
// hands them back.
const (
	scanTrimEvery = 4096
	scanTrimGap   = 20 * time.Millisecond
)

type mapTrimmer struct {
	dir  string
	last atomic.Int64 // UnixNano of the last trim
	stop chan struct{}
	done chan struct{}
}

func startTrim(dir string) *mapTrimmer {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	t := &mapTrimmer{dir: abs, stop: make(chan struct{}), done: make(chan struct{})}
	t.trim() // what opening the tables read
	go func() {
		defer close(t.done)
		tick := time.NewTicker(trimInterval)
		defer tick.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tick.C:
				t.trim()
			}
		}
	}()
	return t
}

func (t *mapTrimmer) close() {
	close(t.stop)
	<-t.done
}

func (t *mapTrimmer) trim() {
	t.last.Store(time.Now().UnixNano())
	trimTables(t.dir)
}

// scanned is called by scans with the count of items read so far.
func (t *mapTrimmer) scanned(n int) {
	if t == nil || n%scanTrimEvery != 0 || time.Now().UnixNano()-t.last.Load() < int64(scanTrimGap) {
		return
	}
	t.trim()
}

// trimTables pages out every mapping of a table file in dir and returns how
// many bytes of mappings it advised.
func trimTables(dir string) int64 {
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0
	}
	var total int64
	prefix := dir + string(filepath.Separator)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasPrefix(f[5], prefix) || !strings.HasSuffix(f[5], ".sst") {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_PAGEOUT); errno == 0 {
			total += int64(end - start)
		}
	}
	return total
}
