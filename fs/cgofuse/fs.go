//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"os"
	"strings"
	"sync"

	"github.com/winfsp/cgofuse/fuse"

	"roamfs/overlay"
)

// noFh is what cgofuse passes when the kernel named no open file.
const noFh = ^uint64(0)

// fileSystem is cgofuse's view of one profile. FUSE runs requests on many
// threads at once; the handle tables are guarded by mu, which is never held
// across an overlay call.
type fileSystem struct {
	fuse.FileSystemBase
	p *overlay.Profile

	ready     chan struct{} // closed by Init: the host is serving
	readyOnce sync.Once

	mu     sync.Mutex
	nextFh uint64
	files  map[uint64]*file
	dirs   map[uint64]*os.File
	hidden map[string]bool // libfuse's .fuse_hidden names of files unlinked while open (hidden.go)
}

// file is an open file. path is its cgofuse path as last seen (kept up to date
// across renames), for the requests that come by path without a handle.
type file struct {
	h    *overlay.Handle
	path string
}

var (
	_ fuse.FileSystemInterface = (*fileSystem)(nil)
	_ fuse.FileSystemRename3   = (*fileSystem)(nil)
	_ fuse.FileSystemChmod3    = (*fileSystem)(nil)
	_ fuse.FileSystemChown3    = (*fileSystem)(nil)
	_ fuse.FileSystemUtimens3  = (*fileSystem)(nil)
)

func newFileSystem(p *overlay.Profile) *fileSystem {
	return &fileSystem{
		p:      p,
		ready:  make(chan struct{}),
		nextFh: 1,
		files:  map[uint64]*file{},
		dirs:   map[uint64]*os.File{},
		hidden: map[string]bool{},
	}
}

// rel turns a cgofuse path into a profile-relative one ("/" is the root, "").
func rel(path string) string { return strings.TrimPrefix(path, "/") }

// Init is the host's signal that it serves requests; Mount waits for it.
func (f *fileSystem) Init() { f.readyOnce.Do(func() { close(f.ready) }) }

func (f *fileSystem) addFile(h *overlay.Handle, path string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	fh := f.nextFh
	f.nextFh++
	f.files[fh] = &file{h: h, path: path}
	return fh
}

// handle is the open file fh, or, when the kernel named none, one opened at
// path (a file that lost its name is reached only through its handles).
func (f *fileSystem) handle(path string, fh uint64) *overlay.Handle {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl, ok := f.files[fh]; ok {
		return fl.h
	}
	if f.hidden[path] {
		for _, fl := range f.files {
			if fl.path == path {
				return fl.h
			}
		}
	}
	return nil
}

// handlePath is the path to hand the overlay with a request on an open file:
// "" once the file has no name (then nothing about it roams).
func (f *fileSystem) handlePath(path string) string {
	if path == "" {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hidden[path] {
		return ""
	}
	return rel(path)
}

// moved follows a rename in the paths of open files.
func (f *fileSystem) moved(oldpath, newpath string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fl := range f.files {
		if fl.path == oldpath {
			fl.path = newpath
		} else if strings.HasPrefix(fl.path, oldpath+"/") {
			fl.path = newpath + fl.path[len(oldpath):]
		}
	}
}

// releaseAll closes what the host left open when it stopped serving: the
// kernel sends no RELEASE for files still open at unmount.
func (f *fileSystem) releaseAll() {
	f.mu.Lock()
	files, dirs := f.files, f.dirs
	f.files, f.dirs = map[uint64]*file{}, map[uint64]*os.File{}
	for _, fl := range files {
		if f.hidden[fl.path] {
			fl.path = ""
		}
	}
	f.mu.Unlock()
	for _, fl := range files {
		_ = fl.h.Release(rel(fl.path))
	}
	for _, d := range dirs {
		_ = d.Close()
	}
}
