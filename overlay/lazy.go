package overlay

import (
	"os"
	"path"
	"syscall"

	"go.uber.org/zap"
)

// Lazy folders of a streamed logon (DESIGN.md): a folder may be in the cache
// empty while the server holds its contents, which the syncer creates (as
// placeholders, fetch.go) when it is first needed. The overlay asks for that
// before every operation that resolves a path below such a folder, lists one,
// or removes or renames one — in the methods both backends share or each
// backend's own ones (Lstat, Readlink, OpenDir*, xattrs), so the go-fuse and
// the cgofuse front ends get it alike.

// Materializer creates the contents of folders not yet materialized. Its
// method is called from FUSE requests, concurrently, for every path: it must
// cost next to nothing when no folder waits.
type Materializer interface {
	// Materialize returns once no folder at rel or above it (and with
	// subtree none below it) waits to be materialized. It is idempotent.
	Materialize(rel string, subtree bool) error
}

// SetMaterializer makes the profile ask m before it looks inside a folder.
// Call it before the profile is mounted; nil (the default) means every
// folder is materialized.
func (p *Profile) SetMaterializer(m Materializer) { p.lazy = m }

// inside materializes the folders above rel: what resolving rel looks into.
func (p *Profile) inside(rel string) error {
	if p.lazy == nil || rel == "" {
		return nil
	}
	return p.materialize(path.Dir(rel), false)
}

// listing materializes rel and the folders above it: rel is listed, or must
// not look empty (rmdir, the target of a rename).
func (p *Profile) listing(rel string) error {
	if p.lazy == nil || rel == "" {
		return nil
	}
	return p.materialize(rel, false)
}

// wholeTree materializes rel and everything below it: rel is renamed, and
// the folder marks are kept by path.
func (p *Profile) wholeTree(rel string) error {
	if p.lazy == nil {
		return nil
	}
	return p.materialize(rel, true)
}

func (p *Profile) materialize(rel string, subtree bool) error {
	if rel == "." {
		rel = ""
	}
	if err := p.lazy.Materialize(rel, subtree); err != nil {
		p.log.Warn("a folder not yet materialized could not be; the operation fails",
			zap.String("path", rel), zap.Error(err))
		return &os.PathError{Op: "materialize", Path: rel, Err: syscall.EIO}
	}
	return nil
}
