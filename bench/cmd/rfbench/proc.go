package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ioCount is a process's I/O accounting from /proc/PID/io.
//
// Bytes is what it moved through read(2)/write(2)-like calls (rchar + wchar).
// A FUSE daemon without passthrough reads every written byte from /dev/fuse and
// writes it to the backing file; with passthrough the kernel does the I/O and
// the daemon's counters hardly move. That is how the report tells whether
// passthrough was in effect, for the loopback and for roamfs alike.
//
// Writes counts write-like syscalls: a go-fuse daemon answers each request
// with one write to /dev/fuse, so it counts the requests the kernel sent.
type ioCount struct{ Bytes, Writes int64 }

func (a ioCount) sub(b ioCount) ioCount { return ioCount{a.Bytes - b.Bytes, a.Writes - b.Writes} }

func procIO(pid int) (ioCount, error) {
	var c ioCount
	if pid <= 0 {
		return c, nil
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return c, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return c, err
		}
		switch k {
		case "rchar", "wchar":
			c.Bytes += n
		case "syscw":
			c.Writes += n
		}
	}
	return c, sc.Err()
}

// vmHWM is the process's peak resident set so far, in bytes.
func vmHWM(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// hwmWatch polls a daemon's VmHWM until it exits or stop is called. VmHWM
// only grows, so the last reading before the process goes is its peak; the
// poll interval bounds what the last moments of a logoff could add unseen.
type hwmWatch struct {
	pid  int
	mu   sync.Mutex
	peak int64
	stop chan struct{}
	done chan struct{}
}

func watchHWM(pid int) *hwmWatch {
	w := &hwmWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	w.poll()
	go func() {
		defer close(w.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				if !w.poll() {
					return
				}
			}
		}
	}()
	return w
}

func (w *hwmWatch) poll() bool {
	v, err := vmHWM(w.pid)
	if err != nil {
		return false
	}
	w.mu.Lock()
	w.peak = max(w.peak, v)
	w.mu.Unlock()
	return true
}

// Peak stops the watch and returns the highest VmHWM seen, in bytes.
func (w *hwmWatch) Peak() int64 {
	if w == nil {
		return 0
	}
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// alive reports whether pid still runs (and is not a zombie).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// dropCaches writes back dirty data and empties the page, dentry and inode
// caches, so the next read comes from the disk. It needs root.
func dropCaches() error {
	unix.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0)
}
