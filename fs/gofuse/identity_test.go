package gofuse

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"roamfs/fs/fstest"
)

// TestReusedInodeNumber: the daemon replaces files behind the mount by
// renaming a new file over them (a streamed logon's fill of a placeholder),
// which frees the old inode, and the cache filesystem hands that number to
// the next file it creates. A kernel entry of the replaced file must go on
// serving its own path, not the later file that took its inode number
// (issue: TestRandomThreeMachinesThroughMounts showed e.txt with the content
// and mtime of a Documents/b.txt conflict copy).
func TestReusedInodeNumber(t *testing.T) {
	p := fstest.NewProfile(t)
	mnt := t.TempDir()
	srv, err := Mount(mnt, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fstest.Unmount(t, mnt, p, srv.Unmount)
	through := func(rel string) string { return filepath.Join(mnt, rel) }
	behind := func(rel string) string { return filepath.Join(p.Root(), rel) }
	ino := func(name string) uint64 {
		var st unix.Stat_t
		if err := unix.Lstat(name, &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}

	if err := os.WriteFile(behind("a"), []byte("the content of a"), 0o644); err != nil {
		t.Fatal(err)
	}
	freed := ino(behind("a"))
	if got, err := os.ReadFile(through("a")); err != nil || string(got) != "the content of a" {
		t.Fatalf("a before: %q, %v", got, err)
	}

	// The fill puts the same content in place under a new inode.
	if err := os.WriteFile(behind("a.fill"), []byte("the content of a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(behind("a.fill"), behind("a")); err != nil {
		t.Fatal(err)
	}
	// Another file of the cache takes the freed inode number.
	var probes []string
	t.Cleanup(func() {
		for _, pr := range probes {
			os.Remove(pr)
		}
	})
	reused := false
	for i := 0; i < 2000 && !reused; i++ {
		pr := behind(fmt.Sprintf("probe%d", i))
		if err := os.WriteFile(pr, []byte("b"), 0o644); err != nil {
			t.Fatal(err)
		}
		if ino(pr) == freed {
			if err := os.Rename(pr, behind("b")); err != nil {
				t.Fatal(err)
			}
			reused = true
			break
		}
		probes = append(probes, pr)
	}
	if !reused {
		t.Skip("the cache filesystem did not reuse the freed inode number")
	}

	if got, err := os.ReadFile(through("b")); err != nil || string(got) != "b" {
		t.Fatalf("b, which took a's old inode number: %q, %v", got, err)
	}
	if got, err := os.ReadFile(through("a")); err != nil || string(got) != "the content of a" {
		t.Fatalf("a after another file took its old inode number: %q, %v; want its own content", got, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(through("a"), &st); err != nil || st.Size != int64(len("the content of a")) {
		t.Fatalf("lstat a after another file took its old inode number: size %d, %v", st.Size, err)
	}
}
