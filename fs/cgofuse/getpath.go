//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import "github.com/winfsp/cgofuse/fuse"

var _ fuse.FileSystemGetpath = (*fileSystem)(nil)

// Getpath tells a case-insensitive host how path is spelled in the cache.
// WinFsp (told SetCapCaseInsensitive) asks it to learn a file's name as
// stored, which programs then see instead of the spelling they typed:
// "desktop\notes.txt" opens "Desktop\notes.txt". libfuse never asks.
func (f *fileSystem) Getpath(path string, fh uint64) (int, string) {
	stored, err := f.p.StoredPath(rel(path))
	if err != nil {
		return errc(err), ""
	}
	return 0, "/" + stored
}
