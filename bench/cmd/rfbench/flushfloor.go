package main

// Issue 12, item 3: "measure the flush floor of this disk and say how close
// you are to it". A journaled operation is acknowledged once its record is
// on the disk, so one writer at a time can go no faster than one flush per
// operation. The floor is measured where the caches live (the work
// directory's file system), the way the journal's write-ahead file flushes
// (a small append, then fsync) and the cheapest way a write-ahead file could
// (a small write into preallocated space, then fdatasync: no size or block
// allocation to persist), each the median of flushFloorN flushes.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

const flushFloorN = 1000

type flushFloor struct {
	AppendFsync       float64 // seconds per append + fsync, median
	PreallocFdatasync float64 // seconds per overwrite of preallocated space + fdatasync, median
	Err               string  `json:",omitempty"`
}

func measureFlushFloor(dir string) *flushFloor {
	ff := &flushFloor{}
	var err error
	if ff.AppendFsync, err = flushLatency(dir, false); err == nil {
		ff.PreallocFdatasync, err = flushLatency(dir, true)
	}
	if err != nil {
		ff.Err = err.Error()
	}
	return ff
}

// flushLatency writes 128-byte records one after another, flushing each,
// and returns the median time per record.
func flushLatency(dir string, prealloc bool) (float64, error) {
	f, err := os.CreateTemp(dir, "rfbench-flush-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	rec := make([]byte, 128)
	if prealloc {
		if err := unix.Fallocate(int(f.Fd()), 0, 0, int64(len(rec)*flushFloorN)); err != nil {
			return 0, fmt.Errorf("fallocate %s: %w", filepath.Base(f.Name()), err)
		}
		// Written once and flushed, so the blocks are not "unwritten"
		// extents whose conversion fdatasync would have to persist.
		if _, err := f.WriteAt(make([]byte, len(rec)*flushFloorN), 0); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
	}
	lat := make([]float64, 0, flushFloorN)
	for i := range flushFloorN {
		rec[0] = byte(i)
		start := time.Now()
		if _, err := f.WriteAt(rec, int64(i*len(rec))); err != nil {
			return 0, err
		}
		if prealloc {
			err = unix.Fdatasync(int(f.Fd()))
		} else {
			err = f.Sync()
		}
		if err != nil {
			return 0, err
		}
		lat = append(lat, time.Since(start).Seconds())
	}
	slices.Sort(lat)
	return lat[len(lat)/2], nil
}

// floorLine says how a journaled operation's extra cost compares with the
// floor: extra is seconds per operation beyond the same operation unjournaled.
func (ff *flushFloor) floorLine(what string, extra float64) string {
	if ff == nil || ff.Err != "" || ff.PreallocFdatasync <= 0 {
		return ""
	}
	return fmt.Sprintf(" %s costs %.0f µs more per operation; this disk's flush floor is %.0f µs (a write into preallocated space + fdatasync, as the journal's write-ahead file flushes; %.0f µs for an append + fsync): %.1f× the floor.",
		what, extra*1e6, ff.PreallocFdatasync*1e6, ff.AppendFsync*1e6, extra/ff.PreallocFdatasync)
}
