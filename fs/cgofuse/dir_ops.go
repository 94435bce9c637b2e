//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/winfsp/cgofuse/fuse"
)

func (f *fileSystem) Opendir(p string) (int, uint64) {
	d, err := f.p.OpenDirFile(rel(p))
	if err != nil {
		return errc(err), noFh
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fh := f.nextFh
	f.nextFh++
	f.dirs[fh] = d
	return 0, fh
}

func (f *fileSystem) dir(fh uint64) *os.File {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dirs[fh]
}

// Readdir lists the whole directory at offset 0 (the host buffers it and
// calls again from 0 after a rewind), each entry with its attributes: WinFsp
// answers Explorer's listings from them (readdir-plus), libfuse takes the inode
// number and type.
func (f *fileSystem) Readdir(p string, fill func(name string, stat *fuse.Stat_t, ofst int64) bool, ofst int64, fh uint64) int {
	d := f.dir(fh)
	if d == nil {
		return -fuse.EBADF
	}
	if _, err := d.Seek(0, io.SeekStart); err != nil {
		return errc(err)
	}
	ents, err := d.ReadDir(-1)
	if err != nil {
		return errc(err)
	}
	if !fill(".", nil, 0) || !fill("..", nil, 0) {
		return 0
	}
	for _, e := range ents {
		st, err := f.p.Lstat(path.Join(rel(p), e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing
		}
		if err != nil {
			return errc(err)
		}
		var stat fuse.Stat_t
		fillStat(&stat, &st)
		if !fill(e.Name(), &stat, 0) {
			break
		}
	}
	return 0
}

func (f *fileSystem) Releasedir(p string, fh uint64) int {
	f.mu.Lock()
	d, ok := f.dirs[fh]
	delete(f.dirs, fh)
	f.mu.Unlock()
	if !ok {
		return -fuse.EBADF
	}
	return errc(d.Close())
}
