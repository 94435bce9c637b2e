package store

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWalk(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root,
		"a/", "a/b", "a/c/", "a/c/d", "b", "Z", "e/", "e/f",
		"c -> a", "g -> e/f",
	)
	errStop := errors.New("stop")
	tests := []struct {
		name string
		rel  string
		stop map[string]error // fn's result by path
		want string
		err  error
	}{
		{name: "all", want: "Z a a/b a/c a/c/d b c e e/f g"},
		{name: "subtree", rel: "a", want: "a/b a/c a/c/d"},
		{name: "deep subtree", rel: "a/c", want: "a/c/d"},
		{name: "SkipDir on a directory", stop: map[string]error{"a/c": fs.SkipDir, "e": fs.SkipDir},
			want: "Z a a/b a/c b c e g"},
		{name: "SkipDir on a file", stop: map[string]error{"a/b": fs.SkipDir},
			want: "Z a a/b b c e e/f g"},
		{name: "SkipAll", stop: map[string]error{"b": fs.SkipAll}, want: "Z a a/b a/c a/c/d b"},
		{name: "fn error", stop: map[string]error{"a/c/d": errStop}, want: "Z a a/b a/c a/c/d", err: errStop},
		{name: "file", rel: "b", err: ErrNotDir},
		{name: "symlink to a directory", rel: "c", err: ErrNotDir},
		{name: "through a symlink", rel: "c/c", err: ErrNotDir},
		{name: "missing", rel: "nope", err: fs.ErrNotExist},
		{name: "invalid", rel: "a/../..", err: ErrInvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := d.Walk(ctx, tt.rel, func(info Info) error {
				got = append(got, info.Path)
				return tt.stop[info.Path]
			})
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("Walk(%q) = %v, want %v", tt.rel, err, tt.err)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("Walk(%q) visited %q\n want %q", tt.rel, strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestWalkInfo(t *testing.T) {
	d, _ := newDir(t)
	if err := d.Mkdir(ctx, "dir", 0o750); err != nil {
		t.Fatal(err)
	}
	put(t, d, "dir/file", "content")
	if err := d.Symlink(ctx, "../dir", "dir/link"); err != nil {
		t.Fatal(err)
	}
	var got []Info
	if err := d.Walk(ctx, "", func(info Info) error { got = append(got, info); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Info{
		{Path: "dir", Kind: KindDir, Mode: 0o750},
		{Path: "dir/file", Kind: KindFile, Size: int64(len("content")), Mode: 0o644, MTime: mtime1},
		{Path: "dir/link", Kind: KindSymlink, Size: int64(len("../dir")), Target: "../dir"},
	}
	if len(got) != len(want) {
		t.Fatalf("Walk visited %+v", got)
	}
	for i := range want {
		g := got[i]
		if want[i].Kind != KindFile {
			g.MTime = time.Time{} // set by the system
		}
		if want[i].Kind == KindSymlink {
			g.Mode = 0 // a symlink's permission bits differ between systems
		}
		checkInfo(t, "Walk", g, want[i])
	}
}

// TestWalkDoesNotFollowSymlinks: a symlink to a directory, inside or outside the
// profile, is reported as a symlink and never entered, so a loop cannot trap the
// walk and an outside tree never appears in the profile.
func TestWalkDoesNotFollowSymlinks(t *testing.T) {
	d, root := newDir(t)
	outside := t.TempDir()
	fixture(t, outside, "secret")
	fixture(t, root, "loop/", "loop/self -> ..", "out -> "+outside, "up -> ../../..")
	var got []string
	err := d.Walk(ctx, "", func(info Info) error {
		got = append(got, info.Path+":"+info.Kind.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loop:directory", "loop/self:symlink", "out:symlink", "up:symlink"}
	if !slices.Equal(got, want) {
		t.Errorf("Walk visited %q, want %q", got, want)
	}
}
