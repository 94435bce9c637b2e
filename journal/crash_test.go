//go:build unix

package journal

import (
	"fmt"
	"os"
	"os/exec"
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
}
