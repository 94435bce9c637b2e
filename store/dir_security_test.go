package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostile returns a Dir whose server copy points outside itself in every way a
// hostile profile can, and the outside directory holding "secret" and "dir/".
//
//	abs     -> <outside>/secret       absolute symlink to a file
//	rel     -> ../<outside>/secret     relative symlink climbing out
//	passwd  -> ../../../../../../../../etc/passwd
//	sub     -> <outside>/dir           symlinked directory
//	relsub  -> ../<outside>/dir
//	inside  -> real                    symlinked directory inside the profile
//	real/f
func hostile(t *testing.T) (d *Dir, root, outside string) {
	t.Helper()
	d, root = newDir(t)
	outside = t.TempDir()
	fixture(t, outside, "secret", "dir/")
	relOut, err := filepath.Rel(root, outside)
	if err != nil {
		t.Fatal(err)
	}
	fixture(t, root,
		"abs -> "+filepath.Join(outside, "secret"),
		"rel -> "+filepath.Join(relOut, "secret"),
		"passwd -> ../../../../../../../../etc/passwd",
		"sub -> "+filepath.Join(outside, "dir"),
		"relsub -> "+filepath.Join(relOut, "dir"),
		"real/", "real/f",
		"inside -> real",
	)
	return d, root, outside
}

func TestOpenNeverFollowsSymlinks(t *testing.T) {
	d, _, _ := hostile(t)
	for _, rel := range []string{"abs", "rel", "passwd", "sub", "inside"} {
		rc, _, err := d.Open(ctx, rel)
		if err == nil {
			rc.Close()
			t.Errorf("Open(%q) of a symlink succeeded", rel)
		} else if !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open(%q) = %v, want ErrNotRegular", rel, err)
		}
	}
}

// TestSymlinkedParentIsAbsent: below a symlink nothing exists, whether the link
// leads outside the profile or inside it. Stat must never describe the target.
func TestSymlinkedParentIsAbsent(t *testing.T) {
	d, _, _ := hostile(t)
	for _, rel := range []string{"sub/secret", "sub/..", "relsub/x", "inside/f", "abs/x", "real/f/x"} {
		info, err := d.Stat(ctx, rel)
		if err == nil {
			t.Errorf("Stat(%q) = %+v, want an error", rel, info)
			continue
		}
		if checkRel(rel) == nil && (!errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrNotDir)) {
			t.Errorf("Stat(%q) = %v, want ErrNotExist and ErrNotDir", rel, err)
		}
		if rc, _, err := d.Open(ctx, rel); err == nil {
			rc.Close()
			t.Errorf("Open(%q) succeeded", rel)
		}
	}
}

// TestStatDescribesTheLink: the link itself is an entry of the profile; its
// target, outside, is not.
func TestStatDescribesTheLink(t *testing.T) {
	d, _, outside := hostile(t)
	info, err := d.Stat(ctx, "abs")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(outside, "secret")
	if info.Kind != KindSymlink || info.Target != want || info.Size != int64(len(want)) {
		t.Errorf("Stat(abs) = %+v", info)
	}
}

// TestWritesNeverLeaveTheProfile tries every mutation through symlinked parents
// and on symlinks to outside files; the outside directory must stay as it was.
func TestWritesNeverLeaveTheProfile(t *testing.T) {
	d, root, outside := hostile(t)
	secret := filepath.Join(outside, "secret")
	before, err := os.Stat(secret)
	if err != nil {
		t.Fatal(err)
	}
	mustFail := map[string]error{}
	for _, parent := range []string{"sub", "relsub", "inside", "abs"} {
		rel := parent + "/x"
		mustFail["Put "+rel] = d.Put(ctx, rel, strings.NewReader("pwned"), 0o644, mtime1)
		mustFail["Mkdir "+rel] = d.Mkdir(ctx, rel, 0o755)
		mustFail["Symlink "+rel] = d.Symlink(ctx, "/etc/passwd", rel)
		mustFail["SetTimes "+parent+"/secret"] = d.SetTimes(ctx, parent+"/secret", mtime2)
		if err := d.Remove(ctx, parent+"/secret"); err != nil {
			t.Errorf("Remove(%s/secret) = %v, want nil (absent in the profile)", parent, err)
		}
	}
	for what, err := range mustFail {
		if err == nil {
			t.Errorf("%s succeeded", what)
		}
	}
	// On the links themselves: they are replaced or touched, never followed.
	if err := d.SetTimes(ctx, "abs", mtime2); err != nil {
		t.Errorf("SetTimes(abs) = %v", err)
	}
	put(t, d, "rel", "replaces the link")
	if err := d.Symlink(ctx, "elsewhere", "abs"); err != nil {
		t.Errorf("Symlink over abs = %v", err)
	}
	if err := d.Remove(ctx, "passwd"); err != nil {
		t.Errorf("Remove(passwd) = %v", err)
	}

	if got := listTree(t, outside); !slices.Equal(got, []string{"dir", "secret"}) {
		t.Errorf("outside directory now holds %q", got)
	}
	after, err := os.Stat(secret)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Errorf("outside secret changed: %v %d → %v %d", before.ModTime(), before.Size(), after.ModTime(), after.Size())
	}
	if got := listTree(t, filepath.Join(root, "real")); !slices.Equal(got, []string{"f"}) {
		t.Errorf("real/ (behind the inside symlink) now holds %q", got)
	}
}

// TestSwapRace flips a directory of the profile to a symlink pointing outside and
// back, as fast as it can, while reads and writes go through it. Some of them fail;
// none may reach the outside directory.
func TestSwapRace(t *testing.T) {
	d, root, outside := hostile(t)
	fixture(t, root, "a/", "a/f", "a.link -> "+filepath.Join(outside, "dir"))
	fixture(t, outside, "dir/f")
	a, aReal, aLink := filepath.Join(root, "a"), filepath.Join(root, "a.real"), filepath.Join(root, "a.link")

	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		defer func() { swapped <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// a: dir → symlink to outside → dir.
			if os.Rename(a, aReal) != nil || os.Rename(aLink, a) != nil ||
				os.Rename(a, aLink) != nil || os.Rename(aReal, a) != nil {
				t.Error("swap failed")
				return
			}
			n++
		}
	}()
	deadline := time.Now().Add(500 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		d.Put(ctx, "a/x", strings.NewReader("pwned"), 0o644, mtime1)
		d.Mkdir(ctx, "a/m", 0o755)
		d.Symlink(ctx, "t", "a/l")
		d.SetTimes(ctx, "a/f", mtime2)
		if rc, _, err := d.Open(ctx, "a/f"); err == nil {
			b := make([]byte, 64)
			n, _ := rc.Read(b)
			rc.Close()
			if got := string(b[:n]); got != "a/f" {
				t.Fatalf("Open(a/f) read %q from outside", got)
			}
		}
		if info, err := d.Stat(ctx, "a/f"); err == nil && info.Size != 3 {
			t.Fatalf("Stat(a/f) described another file: %+v", info)
		}
		d.Walk(ctx, "", func(info Info) error {
			if info.Path == "a/f" && info.Size != 3 {
				t.Errorf("Walk described another a/f: %+v", info)
			}
			return nil
		})
		d.Remove(ctx, "a/x")
	}
	close(stop)
	if n := <-swapped; n == 0 {
		t.Fatal("no swap happened")
	}
	if got := listTree(t, outside); !slices.Equal(got, []string{"dir", "dir/f", "secret"}) {
		t.Errorf("outside directory now holds %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "dir", "f")); err != nil || string(b) != "dir/f" {
		t.Errorf("outside dir/f = %q, %v", b, err)
	}
}
