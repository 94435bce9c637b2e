package smb

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"roamfs/store"
)

// fakeShare answers commit's calls as a server would: go-smb2 reports
// STATUS_ACCESS_DENIED as fs.ErrPermission and STATUS_SHARING_VIOLATION as a
// ResponseError, both inside the *os.LinkError of a rename.
type fakeShare struct {
	replace  []error // each rename of tmp over dst in turn; the last repeats
	dst      bool    // dst exists
	readOnly bool    // dst has the read-only attribute (cleared by Chmod)
	dstProbe error   // dst renamed to its own name
	tmpProbe error   // tmp renamed to its own name

	replaces, chmods, removes int
}

const (
	fakeTmp = `p\` + store.TempPrefix + "x"
	fakeDst = `p\doc.txt`
)

func (f *fakeShare) Rename(oldpath, newpath string) error {
	var err error
	switch {
	case oldpath == fakeTmp && newpath == fakeDst:
		err = f.replace[min(f.replaces, len(f.replace)-1)]
		f.replaces++
	case oldpath == fakeDst && newpath == fakeDst:
		err = f.dstProbe
	case oldpath == fakeTmp && newpath == fakeTmp:
		err = f.tmpProbe
	default:
		panic("unexpected rename " + oldpath + " -> " + newpath)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

func (f *fakeShare) Lstat(name string) (fs.FileInfo, error) {
	if name != fakeDst || !f.dst {
		return nil, &os.PathError{Op: "stat", Path: name, Err: os.ErrNotExist}
	}
	mode := fs.FileMode(0o600)
	if f.readOnly {
		mode = 0o400
	}
	return fakeInfo{mode}, nil
}

func (f *fakeShare) Chmod(name string, mode fs.FileMode) error {
	f.chmods++
	if name == fakeDst && mode&0o200 != 0 {
		f.readOnly = false
	}
	return nil
}

func (f *fakeShare) Remove(name string) error { f.removes++; return nil }

type fakeInfo struct{ mode fs.FileMode }

func (i fakeInfo) Name() string       { return "doc.txt" }
func (i fakeInfo) Size() int64        { return 3 }
func (i fakeInfo) Mode() fs.FileMode  { return i.mode }
func (i fakeInfo) ModTime() time.Time { return time.Time{} }
func (i fakeInfo) IsDir() bool        { return false }
func (i fakeInfo) Sys() any           { return nil }

// TestCommitRefusals: commit tells a file held open on another client
// (retried, then a transient ErrSharingViolation) from a refusal by the
// server's permissions (fs.ErrPermission at once, permanent), although a
// Windows server answers both, and a read-only target, with
// STATUS_ACCESS_DENIED.
func TestCommitRefusals(t *testing.T) {
	denied := os.ErrPermission
	sharing := &smb2.ResponseError{Code: statusSharingViolation}
	const (
		ok = iota
		held
		perm
	)
	for _, c := range []struct {
		name     string
		share    fakeShare
		want     int
		replaces int // renames of tmp over dst; 0: more than one (retried)
	}{
		{"replaced", fakeShare{replace: []error{nil}, dst: true}, ok, 1},
		{"sharing violation, held throughout", fakeShare{replace: []error{sharing}, dst: true}, held, 0},
		{"sharing violation, then released", fakeShare{replace: []error{sharing, sharing, nil}, dst: true}, ok, 3},
		{"read-only target: the attribute is cleared", fakeShare{replace: []error{denied, nil}, dst: true, readOnly: true}, ok, 2},
		{"denied, no target: the permissions", fakeShare{replace: []error{denied}}, perm, 1},
		{"denied, target open without FILE_SHARE_DELETE (Windows)", fakeShare{replace: []error{denied}, dst: true, dstProbe: sharing}, held, 0},
		{"denied, target open, then closed (Windows)", fakeShare{replace: []error{denied, nil}, dst: true, dstProbe: sharing}, ok, 2},
		{"denied, target's ACL forbids DELETE", fakeShare{replace: []error{denied}, dst: true, dstProbe: denied}, perm, 1},
		{"denied, tmp's ACL forbids DELETE", fakeShare{replace: []error{denied}, dst: true, tmpProbe: denied}, perm, 1},
		{"denied, nothing the probes see: a holder without data access", fakeShare{replace: []error{denied}, dst: true}, held, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.share
			err := commit(&f, fakeTmp, fakeDst)
			switch c.want {
			case ok:
				if err != nil {
					t.Errorf("commit = %v, want success", err)
				}
			case held:
				if !errors.Is(err, ErrSharingViolation) || store.IsPermanent(err) {
					t.Errorf("commit = %v, want a transient ErrSharingViolation", err)
				}
			case perm:
				if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrSharingViolation) || !store.IsPermanent(err) ||
					!strings.Contains(err.Error(), "STATUS_ACCESS_DENIED") {
					t.Errorf("commit = %v, want a permanent permission refusal naming STATUS_ACCESS_DENIED", err)
				}
			}
			if c.replaces > 0 && f.replaces != c.replaces {
				t.Errorf("%d renames of tmp over dst, want %d", f.replaces, c.replaces)
			}
			if c.replaces == 0 && f.replaces < 3 {
				t.Errorf("%d renames of tmp over dst: a held file must be retried", f.replaces)
			}
			if (err != nil) != (f.removes > 0) {
				t.Errorf("commit = %v with %d removes of tmp: a failed commit removes tmp, a commit that succeeded not", err, f.removes)
			}
		})
	}
}
