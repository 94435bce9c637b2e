package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func TestPutOpenStatRoundTrip(t *testing.T) {
	d, _ := newDir(t)
	tests := []struct {
		rel     string
		content string
		mode    fs.FileMode
		mtime   time.Time
	}{
		{"a.txt", "hello", 0o644, mtime1},
		{"private", "secret", 0o600, mtime2},
		{"empty", "", 0o640, mtime1},
		{"setuid", "#!", 0o755 | fs.ModeSetuid, mtime2},
		{"big", strings.Repeat("0123456789abcdef", 1<<16), 0o444, mtime1},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			if err := d.Put(ctx, tt.rel, strings.NewReader(tt.content), tt.mode, tt.mtime); err != nil {
				t.Fatal(err)
			}
			want := Info{Path: tt.rel, Kind: KindFile, Size: int64(len(tt.content)), MTime: tt.mtime, Mode: tt.mode}
			got, err := d.Stat(ctx, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			checkInfo(t, "Stat", got, want)
			content, got := readAll(t, d, tt.rel)
			checkInfo(t, "Open", got, want)
			if content != tt.content {
				t.Errorf("content = %d bytes, want %d", len(content), len(tt.content))
			}
		})
	}
	// Replacing keeps nothing of the old file.
	if err := d.Put(ctx, "a.txt", strings.NewReader("bye"), 0o600, mtime2); err != nil {
		t.Fatal(err)
	}
	content, got := readAll(t, d, "a.txt")
	checkInfo(t, "Open after replace", got, Info{Path: "a.txt", Kind: KindFile, Size: 3, MTime: mtime2, Mode: 0o600})
	if content != "bye" {
		t.Errorf("content = %q, want bye", content)
	}
}

func checkInfo(t *testing.T, what string, got, want Info) {
	t.Helper()
	if got.Path != want.Path || got.Kind != want.Kind || got.Size != want.Size ||
		got.Mode != want.Mode || got.Target != want.Target || !got.MTime.Equal(want.MTime) {
		t.Errorf("%s = %+v\n want %+v", what, got, want)
	}
}

func TestPutZeroMtimeKeepsWriteTime(t *testing.T) {
	d, _ := newDir(t)
	before := time.Now().Add(-time.Minute)
	if err := d.Put(ctx, "f", strings.NewReader("x"), 0o644, time.Time{}); err != nil {
		t.Fatal(err)
	}
	info, err := d.Stat(ctx, "f")
	if err != nil || info.MTime.Before(before) {
		t.Errorf("Stat = %+v, %v; want a current mtime", info, err)
	}
}

func TestPutErrors(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "dir/", "dir/x", "file")
	tests := []struct {
		rel  string
		want error
	}{
		{"dir", ErrIsDir},
		{"missing/x", fs.ErrNotExist},
		{"file/x", ErrNotDir},
		{"", ErrInvalidPath},
		{"../x", ErrInvalidPath},
	}
	for _, tt := range tests {
		err := d.Put(ctx, tt.rel, strings.NewReader("data"), 0o644, mtime1)
		if !errors.Is(err, tt.want) {
			t.Errorf("Put(%q) = %v, want %v", tt.rel, err, tt.want)
		}
	}
	if got := listTree(t, root); strings.Join(got, " ") != "dir dir/x file" {
		t.Errorf("tree after failed Puts = %q", got)
	}
}

// errReader fails after handing out some bytes, like a cache file on a dying disk.
type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("read failed")
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

func TestPutFailedCopyLeavesOldFile(t *testing.T) {
	d, root := newDir(t)
	put(t, d, "f", "old")
	if err := d.Put(ctx, "f", &errReader{n: 100000}, 0o644, mtime2); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if content, _ := readAll(t, d, "f"); content != "old" {
		t.Errorf("content = %q, want old", content)
	}
	if got := listTree(t, root); len(got) != 1 {
		t.Errorf("tree = %q, want only f (no temporary file)", got)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(cctx, "f", strings.NewReader("new"), 0o644, mtime2); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v", err)
	}
}

// TestPutAtomicReplace replaces a 4 MiB file over and over while readers read it:
// every read must be exactly one of the versions written, never a mix or a prefix.
func TestPutAtomicReplace(t *testing.T) {
	d, _ := newDir(t)
	const size = 4 << 20
	versions := make([][]byte, 4)
	known := map[string]bool{}
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, size)
		copy(versions[i][size/2:], []byte("middle of version "+string(rune('0'+i))))
		known[string(versions[i])] = true
	}
	if err := d.Put(ctx, "big", bytes.NewReader(versions[0]), 0o644, mtime1); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	readErr := make(chan error, 2)
	reads := make(chan int, 2)
	for range 2 {
		go func() {
			n := 0
			defer func() { reads <- n }()
			for {
				select {
				case <-done:
					readErr <- nil
					return
				default:
				}
				rc, _, err := d.Open(ctx, "big")
				if err != nil {
					readErr <- err
					return
				}
				var buf bytes.Buffer
				_, err = buf.ReadFrom(rc)
				rc.Close()
				if err != nil {
					readErr <- err
					return
				}
				if !known[buf.String()] {
					readErr <- errors.New("read a torn file")
					return
				}
				n++
			}
		}()
	}
	for i := range 24 {
		v := versions[(i+1)%len(versions)]
		if err := d.Put(ctx, "big", bytes.NewReader(v), 0o644, mtime1); err != nil {
			t.Error(err)
			break
		}
	}
	close(done)
	total := 0
	for range 2 {
		if err := <-readErr; err != nil {
			t.Error(err)
		}
		total += <-reads
	}
	if total == 0 {
		t.Error("the readers never completed a read")
	}
}
