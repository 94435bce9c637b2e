package syncer

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sync"
	"syscall"
)

// statCache reads the cache's state of many paths, each with one call
// relative to its folder, which it holds open. A logoff plan reads thousands
// of paths, some hundreds of components deep (stress tools leave such trees):
// resolved from the root, with every ancestor checked for a symlink, a path d
// components deep cost about d² lookups; through the open folder it costs
// one, and each folder on the way is opened once for the whole plan.
//
// It sees the cache as it was: use it only while nothing in the cache changes
// (planning), and close it before applying the plan.
type statCache struct {
	l *local

	mu    sync.Mutex
	dirs  map[string]*openFolder // by cache path; "" is the profile root
	order []string               // open order, for closing the oldest
}

// openFolder is one cache folder as the plan found it.
type openFolder struct {
	root *os.Root // nil when the folder is missing or below a symlink
}

// maxOpenFolders bounds the descriptors a plan holds. Paths are planned in
// sorted order, so folders are visited together and few are reopened.
const maxOpenFolders = 128

func (l *local) newStatCache() *statCache {
	return &statCache{l: l, dirs: map[string]*openFolder{}}
}

// stat is local.stat: rel without following a final symlink, and absent when
// a folder above it is a symlink or missing.
func (c *statCache) stat(rel string) (Version, error) {
	if rel == "" || rel == "." {
		return c.l.lstat("")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	dir, err := c.folder(path.Dir(rel))
	if err != nil || dir.root == nil {
		return Version{}, err
	}
	return lstatIn(dir.root, path.Base(rel))
}

// folder opens the cache folder rel through its parent, once. The caller
// holds c.mu.
func (c *statCache) folder(rel string) (*openFolder, error) {
	if rel == "." {
		rel = ""
	}
	if f, ok := c.dirs[rel]; ok {
		return f, nil
	}
	var f *openFolder
	if rel == "" {
		r, err := c.l.root.OpenRoot(".")
		if err != nil {
			return nil, err
		}
		f = &openFolder{root: r}
	} else {
		parent, err := c.folder(path.Dir(rel))
		if err != nil {
			return nil, err
		}
		if f, err = openChild(parent, path.Base(rel)); err != nil {
			return nil, err
		}
	}
	c.remember(rel, f)
	return f, nil
}

// openChild opens the folder name inside parent; a missing one, a symlink
// or anything that is not a folder gives a folder with nothing in it.
func openChild(parent *openFolder, name string) (*openFolder, error) {
	if parent.root == nil {
		return &openFolder{}, nil
	}
	fi, err := parent.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return &openFolder{}, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() { // a symlink too: nothing below it is profile data
		return &openFolder{}, nil
	}
	r, err := parent.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return &openFolder{root: r}, nil
}

func (c *statCache) remember(rel string, f *openFolder) {
	c.dirs[rel] = f
	c.order = append(c.order, rel)
	for len(c.order) > maxOpenFolders {
		old := c.order[0]
		c.order = c.order[1:]
		if of := c.dirs[old]; of != nil && of.root != nil {
			of.root.Close()
		}
		delete(c.dirs, old)
	}
}

func (c *statCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.dirs {
		if f.root != nil {
			f.root.Close()
		}
	}
	c.dirs, c.order = map[string]*openFolder{}, nil
}
