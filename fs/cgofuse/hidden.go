//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"path"
	"strings"
)

// libfuse's high-level API does not unlink a file that is still open: it
// renames it to ".fuse_hidden<node><counter>" in the same directory and
// unlinks that name at the last release, unless mounted with hard_remove.
// cgofuse resets libfuse 3's configuration in its init callback, so the
// hard_remove option never takes effect. Served as is, a program deleting an
// open file (a desktop does this with every temporary file) would journal a
// rename to a name nobody chose and show it in listings while open. The adapter
// turns the rename back into the unlink the program asked for and answers for
// the hidden name until libfuse unlinks it. WinFsp never hides.

const hiddenPrefix = ".fuse_hidden"

// hides reports whether a rename is libfuse hiding an open file: same
// directory, libfuse's name pattern, and the file open here.
func (f *fileSystem) hides(oldpath, newpath string, flags uint32) bool {
	name := path.Base(newpath)
	if flags != 0 || path.Dir(newpath) != path.Dir(oldpath) || !strings.HasPrefix(name, hiddenPrefix) {
		return false
	}
	if hex := name[len(hiddenPrefix):]; len(hex) != 16 || strings.Trim(hex, "0123456789abcdef") != "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fl := range f.files {
		if fl.path == oldpath {
			return true
		}
	}
	return false
}

// hide unlinks oldpath for good and remembers hidden as the name libfuse will
// use for it from now on.
func (f *fileSystem) hide(oldpath, hidden string) int {
	if err := f.p.Unlink(rel(oldpath)); err != nil {
		return errc(err)
	}
	f.mu.Lock()
	f.hidden[hidden] = true
	f.mu.Unlock()
	f.moved(oldpath, hidden)
	return 0
}

// unhide answers libfuse's unlink of a hidden name after the last release.
func (f *fileSystem) unhide(p string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.hidden[p] {
		return false
	}
	delete(f.hidden, p)
	return true
}
