package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
)

// DirSyncs collects the folders whose entries a Dir store changed (a file renamed
// into place, a name removed) under a context made by DeferDirSyncs, so that each
// folder is flushed once at Flush rather than once per write. A logoff writing 100
// files into a few folders then costs ~100 fsyncs instead of ~200: on a disk whose
// cheapest flush is ~0.2 ms, most of its time.
//
// It is safe because of what the caller does with the result: nothing a write in
// the batch did counts until Flush has returned nil. The syncer moves its bases
// and writes the server's index and metadata only after that; a crash before it
// is a crash in the middle of the logoff's phase 1, which replays to the same
// server. Each file's own data is still flushed before its rename, so a rename
// that does survive a crash always publishes a complete file.
type DirSyncs struct {
	mu   sync.Mutex
	dirs map[*Dir]map[string]struct{} // store → parent folders (profile paths)
}

type dirSyncsKey struct{}

// DeferDirSyncs returns ctx carrying a new batch. Stores other than Dir (and Dir
// writes made under another context) flush as they go, as before.
func DeferDirSyncs(ctx context.Context) (context.Context, *DirSyncs) {
	b := &DirSyncs{dirs: map[*Dir]map[string]struct{}{}}
	return context.WithValue(ctx, dirSyncsKey{}, b), b
}

// flushDir is syncDir; tests count the flushes through it.
var flushDir = syncDir

// syncParent makes the entries of dir (the folder rel lies in) durable now, or
// notes dir for the batch ctx carries.
func (d *Dir) syncParent(ctx context.Context, dir *os.Root, rel string) error {
	b, _ := ctx.Value(dirSyncsKey{}).(*DirSyncs)
	if b == nil {
		return flushDir(dir)
	}
	parent, _ := splitRel(rel)
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.dirs[d]
	if m == nil {
		m = map[string]struct{}{}
		b.dirs[d] = m
	}
	m[parent] = struct{}{}
	return nil
}

// Flush makes every folder entry the batch's writes changed durable, several
// folders at once (a logoff's changes are often one file in each of many
// folders; the file system folds concurrent flushes into few commits). A folder
// gone since (removed or replaced, here or by someone else) is skipped: what was
// written into it went with it, and a removal in this batch is an entry of its
// parent, which the batch flushes too. The batch is empty afterwards, and can
// collect again.
func (b *DirSyncs) Flush() error {
	b.mu.Lock()
	dirs := b.dirs
	b.dirs = map[*Dir]map[string]struct{}{}
	b.mu.Unlock()
	type folder struct {
		d   *Dir
		rel string
	}
	var todo []folder
	for d, set := range dirs {
		for rel := range set {
			todo = append(todo, folder{d, rel})
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].rel < todo[j].rel }) // errors in a stable order
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	sem := make(chan struct{}, flushWorkers)
	for i, f := range todo {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f.d.syncFolder(f.rel); err != nil {
				errs[i] = opError(OpPut, f.rel, fmt.Errorf("flush the folder's entries: %w", err))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// flushWorkers is how many folders Flush flushes at once.
const flushWorkers = 8

func (d *Dir) syncFolder(rel string) error {
	dir, err := d.openDir(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	return flushDir(dir)
}
