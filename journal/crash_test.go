//go:build unix

package journal

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashHelper is not a test: TestCrashRecovery runs the test binary again
// with ROAMFS_JOURNAL_CRASH_DIR set, and this writes to the journal and then
// kills its own process with SIGKILL, without Close — a killed daemon.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv("ROAMFS_JOURNAL_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	// Some pending paths stored, the latest only in memory at the kill.
	storeMaxRecords = 30
	j, err := Open(dir, Options{})
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	for i := 0; i < 100; i++ {
		if _, err := j.Append(Record{Op: OpWrite, Path: fmt.Sprintf("f%d", i), Size: int64(i)}); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
	}
	if err := j.Commit(40, map[string]Base{"f1": fileBase(1)}, nil); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Minute)
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	for _, order := range [][]bool{{true, false}, {false, true}} {
		t.Run(fmt.Sprintf("read-only-first=%v", order[0]), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "ROAMFS_JOURNAL_CRASH_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("helper did not die by SIGKILL: %v\n%s", err, out)
			}
			for _, ro := range order {
				checkAfterCrash(t, dir, ro)
			}
		})
	}
}

func checkAfterCrash(t *testing.T, dir string, ro bool) {
	t.Helper()
	j, err := Open(dir, Options{ReadOnly: ro})
	if err != nil {
		t.Fatalf("open after crash (read-only %v): %v", ro, err)
	}
	defer func() {
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	recs := scanAll(t, j, true)
	if len(recs) != 100 || j.LastSeq() != 100 || j.SyncedThrough() != 40 || j.PendingCount() != 60 {
		t.Errorf("ro=%v: %d records, last %d, synced %d, pending %d", ro, len(recs), j.LastSeq(), j.SyncedThrough(), j.PendingCount())
	}
	if _, ok, err := j.Base("f1"); !ok || err != nil {
		t.Errorf("ro=%v: base lost: %v", ro, err)
	}
	checkPathTable(t, j, false)
}

// TestCrashRotateHelper is not a test: TestCrashAcrossRotations runs the test
// binary again with ROAMFS_JOURNAL_ROTATE_DIR set, and this appends from
// several goroutines with a small write-ahead file, printing each record once
// its Append returned, until the parent kills it with SIGKILL.
func TestCrashRotateHelper(t *testing.T) {
	dir := os.Getenv("ROAMFS_JOURNAL_ROTATE_DIR")
	if dir == "" {
		t.Skip("helper process for TestCrashAcrossRotations")
	}
	walRotateBytes = 16 << 10
	storeMaxPaths = 100
	j, err := Open(dir, Options{})
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				p := fmt.Sprintf("w%d/%06d", w, i)
				recs, err := j.Append(Record{Op: OpWrite, Path: p, Size: int64(i)})
				if err != nil {
					fmt.Println(err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %s %d\n", recs[0].Seq, p, j.walRotations.Load())
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestCrashAcrossRotations: a daemon killed mid-append, after its write-ahead
// file was emptied several times, loses no record it acknowledged.
func TestCrashAcrossRotations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	if !walRotates {
		t.Skip("the write-ahead file is kept until Close here")
	}
	for run := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRotateHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ROAMFS_JOURNAL_ROTATE_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[uint64]string{}
		var rotations uint64
		sc := bufio.NewScanner(stdout)
		// Kill at a different point each run, once the file has been
		// emptied a few times.
		for sc.Scan() {
			var seq, rot uint64
			var p string
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %s %d", &seq, &p, &rot); err != nil {
				t.Fatalf("helper: %s", sc.Text())
			}
			acked[seq], rotations = p, rot
			if rot >= uint64(3+run) && len(acked)%97 == 0 {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // acknowledged before the kill landed
			var seq, rot uint64
			var p string
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %s %d", &seq, &p, &rot); err == nil {
				acked[seq] = p
			}
		}
		err = cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("helper did not die by SIGKILL: %v", err)
		}
		if rotations < 3 {
			t.Fatalf("helper rotated its write-ahead file %d times before the kill", rotations)
		}
		j, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint64]string{}
		for _, r := range scanAll(t, j, true) {
			got[r.Seq] = r.Path
		}
		checkPathTable(t, j, false)
		j.Close()
		for seq, p := range acked {
			if got[seq] != p {
				t.Errorf("run %d: acknowledged record %d (%s) after the crash: %q", run, seq, p, got[seq])
			}
		}
		t.Logf("run %d: %d records acknowledged, %d rotations before the kill, %d records after it", run, len(acked), rotations, len(got))
	}
}
