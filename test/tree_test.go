package test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// entry is what a tree comparison looks at for one path.
type entry struct {
	Kind   string // file, dir, symlink, other
	Perm   uint32 // mode & 07777
	Size   int64  // files only
	Sum    string // sha256 of a file's content
	Target string // symlink target
	MTime  time.Time
	Nlink  uint64
}

func (e entry) String() string {
	switch e.Kind {
	case "file":
		return fmt.Sprintf("file %04o size=%d sha=%.12s mtime=%s nlink=%d", e.Perm, e.Size, e.Sum, e.MTime.Format(time.RFC3339Nano), e.Nlink)
	case "symlink":
		return fmt.Sprintf("symlink -> %q", e.Target)
	default:
		return fmt.Sprintf("%s %04o mtime=%s nlink=%d", e.Kind, e.Perm, e.MTime.Format(time.RFC3339Nano), e.Nlink)
	}
}

// tree maps '/'-separated paths relative to the snapshot's root to entries.
type tree map[string]entry

func (tr tree) paths() []string {
	ps := make([]string, 0, len(tr))
	for p := range tr {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// snapshot walks root without following symlinks. skip (may be nil) leaves a
// path out, and its subtree with it.
func snapshot(t *testing.T, root string, skip func(rel string) bool) tree {
	t.Helper()
	tr, err := snapshotOf(root, skip)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// snapshotOf is snapshot returning its error: a tree that changed under the
// walk (a file listed, then gone).
func snapshotOf(root string, skip func(rel string) bool) (tree, error) {
	tr := tree{}
	var walk func(rel string) error
	walk = func(rel string) error {
		ents, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", root, err)
		}
		for _, de := range ents {
			p := path.Join(rel, de.Name())
			if skip != nil && skip(p) {
				continue
			}
			e, err := stat(filepath.Join(root, filepath.FromSlash(p)))
			if err != nil {
				return fmt.Errorf("snapshot %s: %w", root, err)
			}
			tr[p] = e
			if e.Kind == "dir" {
				if err := walk(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return tr, walk("")
}

// stat describes one path, reading a file's content for its hash.
func stat(p string) (entry, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return entry{}, fmt.Errorf("lstat %s: %w", p, err)
	}
	e := entry{Perm: st.Mode & 0o7777, MTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec), Nlink: uint64(st.Nlink)}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		e.Kind, e.Size = "file", st.Size
		f, err := os.Open(p)
		if err != nil {
			return e, err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return e, fmt.Errorf("read %s: %w", p, err)
		}
		e.Sum = hex.EncodeToString(h.Sum(nil))
	case unix.S_IFDIR:
		e.Kind = "dir"
	case unix.S_IFLNK:
		e.Kind, e.Perm = "symlink", 0
		target, err := os.Readlink(p)
		if err != nil {
			return e, err
		}
		e.Target = target
	default:
		e.Kind = "other"
	}
	return e, nil
}

// sameContent compares what a sync must carry: kind, permissions (files and
// directories), size, content and symlink target.
func sameContent(a, b entry) string {
	switch {
	case a.Kind != b.Kind:
		return "kind"
	case a.Kind == "symlink":
		if a.Target != b.Target {
			return "symlink target"
		}
	case a.Perm != b.Perm:
		return "permissions"
	case a.Kind == "file" && a.Size != b.Size:
		return "size"
	case a.Kind == "file" && a.Sum != b.Sum:
		return "content"
	}
	return ""
}

// diffTrees lists every difference between got and want: a missing or extra
// path, or one for which cmp returns a non-empty reason.
func diffTrees(got, want tree, cmp func(rel string, g, w entry) string) []string {
	var out []string
	for _, p := range want.paths() {
		g, ok := got[p]
		if !ok {
			out = append(out, fmt.Sprintf("missing %s (want %s)", p, want[p]))
			continue
		}
		if why := cmp(p, g, want[p]); why != "" {
			out = append(out, fmt.Sprintf("%s: %s differs:\n\tgot  %s\n\twant %s", p, why, g, want[p]))
		}
	}
	for _, p := range got.paths() {
		if _, ok := want[p]; !ok {
			out = append(out, fmt.Sprintf("unexpected %s (%s)", p, got[p]))
		}
	}
	return out
}

// requireSameTree fails the test with every difference.
func requireSameTree(t *testing.T, what string, got, want tree, cmp func(rel string, g, w entry) string) {
	t.Helper()
	if cmp == nil {
		cmp = func(_ string, g, w entry) string { return sameContent(g, w) }
	}
	if d := diffTrees(got, want, cmp); len(d) > 0 {
		if len(d) > 40 {
			d = append(d[:40], fmt.Sprintf("... and %d more", len(d)-40))
		}
		t.Fatalf("%s: %d differences:\n%s", what, len(d), strings.Join(d, "\n"))
	}
}

// serverSkip leaves out roamfs' own metadata and profile index (its base and
// the folder of its deltas) in a server copy; its temporary files are not
// skipped, since none may be left after a successful sync.
func serverSkip(rel string) bool {
	return rel == ".roamfs-profile.json" || rel == ".roamfs-index" || rel == serverIndexDeltas
}

// serverIndexDeltas is the folder of the profile index's deltas
// (syncer.IndexDeltaDir): named as a temporary entry, so that older roamfs
// versions leave it out of the profile, but not one.
const serverIndexDeltas = ".roamfs-tmp-index-deltas"

// inIndexDeltas reports the deltas folder and what is in it.
func inIndexDeltas(rel string) bool {
	return rel == serverIndexDeltas || strings.HasPrefix(rel, serverIndexDeltas+"/")
}
