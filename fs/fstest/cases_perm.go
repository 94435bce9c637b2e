//go:build linux

package fstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// The mount is served by a root daemon with allow_other and
// default_permissions: the kernel checks every access against the modes the
// front end reports, so those must be the cache's own. A front end that
// "fixes" mode 0000 to 0644 (go-fuse without NullPermissions) lets anybody read
// a file its owner locked with chmod 000 (issue 12; pjdfstest open/26.t).
var permCases = []testCase{
	{"NullModeStat", testNullModeStat},
	{"NullModeDeniesOthers", testNullModeDeniesOthers},
}

// nobody is the unprivileged user the permission cases act as.
const nobody = 65534

// testNullModeStat: mode 0000 stays 0000, whether set by chmod or at create.
func testNullModeStat(t *testing.T, e *env) {
	e.write(t, "f", []byte("secret"))
	e.mkdir(t, "d")
	for _, rel := range []string{"f", "d"} {
		if err := os.Chmod(e.path(rel), 0); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(e.path("created"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Mkdir(e.path("made"), 0); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"f", "d", "created", "made"} {
		fi, err := os.Lstat(e.path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky); perm != 0 {
			t.Errorf("%s: mode %v through the mount, want no permission bits", rel, fi.Mode())
		}
	}
	// root still reads it (the kernel lets CAP_DAC_OVERRIDE through), as the
	// daemon reads the cache for the sync.
	e.content(t, "f", []byte("secret"))
}

// testNullModeDeniesOthers: an unprivileged user cannot read a root-owned
// file after chmod 000, nor list or enter a chmod 000 directory; the same
// user can while the modes allow it, so the denial is the mode's doing.
func testNullModeDeniesOthers(t *testing.T, e *env) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as another user")
	}
	// pub is where nobody works: the mount point's own ancestors (test
	// temporary directories, mode 0700) are bypassed through a descriptor.
	e.mkdir(t, "pub")
	if err := os.Chmod(e.path("pub"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.write(t, "pub/f", []byte("secret"))
	if err := os.Chmod(e.path("pub/f"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.mkdir(t, "pub/d")
	if err := os.Chmod(e.path("pub/d"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.write(t, "pub/d/inner", []byte("inner"))
	if err := os.Chmod(e.path("pub/d/inner"), 0o644); err != nil {
		t.Fatal(err)
	}
	pub, err := os.Open(e.path("pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	if out, err := asNobody(pub, "cat", "f"); err != nil || out != "secret" {
		t.Fatalf("nobody reading a 0644 file: %q, %v (the control must pass)", out, err)
	}
	if out, err := asNobody(pub, "ls", "d"); err != nil || out != "inner\n" {
		t.Fatalf("nobody listing a 0755 directory: %q, %v (the control must pass)", out, err)
	}
	for _, rel := range []string{"pub/f", "pub/d"} {
		if err := os.Chmod(e.path(rel), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range [][]string{{"cat", "f"}, {"ls", "d"}, {"cat", "d/inner"}} {
		out, err := asNobody(pub, c...)
		if err == nil {
			t.Errorf("nobody ran %q on a chmod 000 entry: it succeeded with %q", c, out)
		} else if !bytes.Contains([]byte(err.Error()), []byte("Permission denied")) {
			t.Errorf("nobody ran %q on a chmod 000 entry: %v, want Permission denied", c, err)
		}
	}
}

// asNobody runs a command as uid and gid 65534 with no supplementary groups,
// in the directory dir: its descriptor is the child's fd 3, entered as
// /proc/self/fd/3, so no ancestor of dir needs to let that user through.
func asNobody(dir *os.File, args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = "/"
	cmd.Args = append([]string{args[0]}, args[1:]...)
	for i := 1; i < len(cmd.Args); i++ {
		cmd.Args[i] = "/proc/self/fd/3/" + cmd.Args[i]
	}
	cmd.ExtraFiles = []*os.File{dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}},
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.String(), nil
}
