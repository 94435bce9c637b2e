//go:build linux

package fstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The mount is served by a root daemon with allow_other and
// default_permissions: the kernel checks every access against the modes the
// front end reports, so those must be the cache's own. A front end that
// "fixes" mode 0000 to 0644 (go-fuse without NullPermissions) lets anybody read
// a file its owner locked with chmod 000 (issue 12; pjdfstest open/26.t).
var permCases = []testCase{
	{"NullModeStat", testNullModeStat},
	{"NullModeDeniesOthers", testNullModeDeniesOthers},
	{"CapabilityDroppedOnWrite", needs(capXattr, testCapabilityDroppedOnWrite, nil)},
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

// testCapabilityDroppedOnWrite: a write drops a file's capabilities, as on any
// Linux file system. The kernel asks for security.capability before writes; a
// front end that remembers "none" must learn of a setcap through the mount.
func testCapabilityDroppedOnWrite(t *testing.T, e *env) {
	if os.Geteuid() != 0 {
		t.Skip("setting file capabilities needs root")
	}
	e.write(t, "bin", []byte("#!/bin/true\n"))
	if err := os.Chmod(e.path("bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	const caps = "security.capability"
	buf := make([]byte, 64)
	if _, err := unix.Getxattr(e.path("bin"), caps, buf); !errors.Is(err, unix.ENODATA) {
		t.Fatalf("getxattr %s of a new file: %v, want ENODATA", caps, err)
	}
	// A write while the answer is "none" (the kernel asks again and may be
	// answered from memory).
	e.write(t, "bin", []byte("#!/bin/true\n#"))
	// setcap cap_net_bind_service+ep: revision 2, effective, one permitted bit.
	v := make([]byte, 20)
	binary.LittleEndian.PutUint32(v[0:], 0x02000000|1)
	binary.LittleEndian.PutUint32(v[4:], 1<<unix.CAP_NET_BIND_SERVICE)
	if err := unix.Setxattr(e.path("bin"), caps, v, 0); err != nil {
		t.Fatalf("set %s: %v", caps, err)
	}
	n, err := unix.Getxattr(e.path("bin"), caps, buf)
	if err != nil {
		t.Fatalf("getxattr %s after setting it: %v", caps, err)
	}
	if !bytes.Equal(buf[:n], v) {
		t.Fatalf("getxattr %s after setting it: %x, want %x", caps, buf[:n], v)
	}
	f, err := os.OpenFile(e.path("bin"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Getxattr(e.path("bin"), caps, buf); !errors.Is(err, unix.ENODATA) {
		t.Errorf("getxattr %s through the mount after a write: %v, want ENODATA (dropped)", caps, err)
	}
	if _, err := unix.Getxattr(e.p.Root()+"/bin", caps, buf); !errors.Is(err, unix.ENODATA) {
		t.Errorf("getxattr %s in the cache after a write: %v, want ENODATA (dropped)", caps, err)
	}
}
