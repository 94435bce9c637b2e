package test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"roamfs/internal/mountinfo"
)

// roamfsBin is the binary built once by TestMain; every test drives it the way
// an administrator's script does.
var roamfsBin string

// testRoot holds the binary and, through TMPDIR, every t.TempDir() of the run,
// so a mount left behind by this run is recognised by its path.
var testRoot string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: these tests mount FUSE filesystems as the roamfs daemon does: run them as root, with /dev/fuse")
		return 1
	}
	root, err := os.MkdirTemp("", "roamfs-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	testRoot, _ = filepath.EvalSymlinks(root)
	defer os.RemoveAll(testRoot)
	roamfsBin = filepath.Join(testRoot, "bin", "roamfs")
	build := exec.Command("go", "build", "-o", roamfsBin, "./cmd/roamfs")
	build.Dir = ".." // the module root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/roamfs: %v\n%s", err, out)
		return 1
	}
	// The daemon is started by `roamfs logon`, which exits once the mount is
	// ready; as a subreaper this process inherits the daemon and can reap it,
	// so a finished daemon never lingers as a zombie that looks alive.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: PR_SET_CHILD_SUBREAPER:", err)
	}
	tmp := filepath.Join(testRoot, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	os.Setenv("TMPDIR", tmp)

	code := m.Run()

	if leftovers() {
		code = 1
	}
	return code
}

// leftovers reports (and then removes) every roamfs mount under this run's
// directories and every roamfs process of this run's binary still alive: each
// test must have logged off and waited for its daemon.
func leftovers() bool {
	bad := false
	defer func() { // collect finished daemons nobody waited for
		var ws unix.WaitStatus
		for {
			if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 || err != nil {
				return
			}
		}
	}()
	for _, mi := range roamfsMounts() {
		if !strings.HasPrefix(mi.Dir, testRoot+"/") && !strings.HasPrefix(mi.Source, testRoot+"/") {
			continue // another engineer's session, not ours
		}
		fmt.Fprintf(os.Stderr, "e2e: LEFTOVER roamfs mount %s (cache %s)\n", mi.Dir, mi.Source)
		exec.Command("umount", "-l", mi.Dir).Run()
		bad = true
	}
	if fds := openUnder(testRoot); len(fds) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: LEFTOVER open files of the test process: %s\n", strings.Join(fds, ", "))
		bad = true
	}
	for _, pid := range binaryPids() {
		fmt.Fprintf(os.Stderr, "e2e: LEFTOVER roamfs process %d: %s\n", pid, cmdline(pid))
		unix.Kill(pid, unix.SIGKILL)
		waitGone([]int{pid}, 10*time.Second)
		bad = true
	}
	return bad
}

// roamfsMounts lists the fuse.roamfs mounts of /proc/self/mountinfo.
func roamfsMounts() []mountinfo.Mount {
	ms, _ := mountinfo.Read()
	var out []mountinfo.Mount
	for _, m := range ms {
		if m.FSType == "fuse.roamfs" {
			out = append(out, m)
		}
	}
	return out
}

func isMounted(mnt string) bool {
	for _, mi := range roamfsMounts() {
		if mi.Dir == mnt {
			return true
		}
	}
	return false
}

// procs calls fn for every live (not zombie) process with its pid, resolved
// executable (may be "") and argv.
func procs(fn func(pid int, exe string, argv []string)) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || len(raw) == 0 {
			continue
		}
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		exe = strings.TrimSuffix(exe, " (deleted)")
		fn(pid, exe, strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00"))
	}
}

// binaryPids are the processes running this run's roamfs binary.
func binaryPids() []int {
	var out []int
	procs(func(pid int, exe string, argv []string) {
		if exe == roamfsBin || (len(argv) > 0 && argv[0] == roamfsBin) {
			out = append(out, pid)
		}
	})
	return out
}

// pidsNaming are the roamfs processes whose command line names dir (a cache
// directory or mount point) or a path below it.
func pidsNaming(dir string) []int {
	var out []int
	procs(func(pid int, exe string, argv []string) {
		if exe != roamfsBin && (len(argv) == 0 || filepath.Base(argv[0]) != "roamfs") {
			return
		}
		for _, a := range argv[1:] {
			if a == dir || strings.HasPrefix(a, dir+"/") {
				out = append(out, pid)
				return
			}
		}
	})
	return out
}

func cmdline(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(strings.TrimRight(string(raw), "\x00"), "\x00", " ")
}

// alive reports whether pid runs (a zombie has finished running).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] != 'Z' && s[i+2] != 'X'
}

// reap collects the exit status of a finished daemon (ours since we are a
// subreaper). Only daemon pids are passed: reaping a child that os/exec waits
// for would break its Wait.
func reap(pid int) {
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, unix.WNOHANG, nil)
}

// waitGone waits for processes to exit and be reaped: a zombie's other
// threads can still hold the journal lock, so a zombie is not gone yet
// unless it is not ours to reap. Polling is acceptable here: this waits for a
// process to finish (it has been told to), it does not guess readiness.
func waitGone(pids []int, limit time.Duration) []int {
	deadline := time.Now().Add(limit)
	for {
		var left []int
		for _, p := range pids {
			if !gone(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gone(pid int) bool {
	if alive(pid) {
		return false
	}
	var ws unix.WaitStatus
	_, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err == unix.ECHILD {
		return true // somebody else's zombie: nothing more to wait for
	}
	_, err = os.Stat(fmt.Sprintf("/proc/%d", pid))
	return errors.Is(err, fs.ErrNotExist)
}

// openUnder lists this process's descriptors open on files below dir.
func openUnder(dir string) []string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(target, dir+"/") {
			out = append(out, e.Name()+" -> "+target)
		}
	}
	return out
}
