package overlay

import (
	"sync"

	"roamfs/internal/winname"
)

// The live profile (session/writeback.go) writes the cache's changes back and
// brings other machines' changes into it while programs use the mount. Two
// things must hold, and only the overlay can see them:
//   - a file is uploaded as one whole version: nobody had it open for writing
//     from before its copy began until the copy ended (WriteGen,
//     WrittenSince). Writes bypass the daemon (passthrough), but every writer
//     opens the file for writing first, and that the daemon sees;
//   - a file is replaced from the server only while no handle is open on it
//     and no open is under way (Exclusive): a reader never sees its file
//     change under it, and a writer never writes to a file the replacement
//     has just unlinked (its writes would be lost).
//
// Open handles are counted by file identity (device and inode), so a file
// renamed or hard-linked while open is still known to be open under its new
// name; where the backend has no inode numbers (Windows) by the path it was
// opened with. Opens under way are counted by name, which is all an open
// knows before it has a file.
//
// Lock order: openFiles.mu is taken alone; Exclusive's fn runs without it
// but with the name held against opens.

// fileID identifies a cache file for the open-handle count.
type fileID struct {
	dev, ino uint64
	key      string // the name's key when the backend has no inode numbers
}

type openCount struct{ readers, writers int }

type openFiles struct {
	mu      sync.Mutex
	cond    *sync.Cond
	open    map[fileID]*openCount
	wrote   map[fileID]uint64 // the generation of the last write-open (or truncate) of each file
	gen     uint64
	opening map[string]int  // opens under way, by name key
	held    map[string]bool // names an Exclusive holds against opens
}

func newOpenFiles() *openFiles {
	o := &openFiles{open: map[fileID]*openCount{}, wrote: map[fileID]uint64{}, opening: map[string]int{}, held: map[string]bool{}}
	o.cond = sync.NewCond(&o.mu)
	return o
}

// nameKey is rel's identity as the policy compares names.
func (c *core) nameKey(rel string) string {
	if c.pol.CaseInsensitive {
		return winname.Key(rel)
	}
	return rel
}

// idOf is the identity of the file st describes, reached as rel.
func (c *core) idOf(rel string, st *Stat) fileID {
	if st.Ino == 0 {
		return fileID{key: c.nameKey(rel)}
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

// beginOpen admits an open (or a truncate by path) of rel, waiting while an
// Exclusive holds the name: a replacement is a local rename, so the wait is
// short. endOpen must follow.
func (p *Profile) beginOpen(rel string) string {
	k := p.nameKey(rel)
	o := p.files
	o.mu.Lock()
	for o.held[k] {
		o.cond.Wait()
	}
	o.opening[k]++
	o.mu.Unlock()
	return k
}

func (p *Profile) endOpen(k string) {
	o := p.files
	o.mu.Lock()
	if o.opening[k]--; o.opening[k] <= 0 {
		delete(o.opening, k)
	}
	o.cond.Broadcast()
	o.mu.Unlock()
}

// addHandle counts an open handle on id; a writable one is a write.
func (p *Profile) addHandle(id fileID, writable bool) {
	o := p.files
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.open[id]
	if c == nil {
		c = &openCount{}
		o.open[id] = c
	}
	if writable {
		c.writers++
		o.gen++
		o.wrote[id] = o.gen
	} else {
		c.readers++
	}
}

func (p *Profile) dropHandle(id fileID, writable bool) {
	o := p.files
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.open[id]
	if c == nil {
		return
	}
	if writable {
		c.writers--
	} else {
		c.readers--
	}
	if c.readers <= 0 && c.writers <= 0 {
		delete(o.open, id)
	}
}

// wroteBy records a change to id without a handle (a truncate by path).
func (p *Profile) wroteBy(id fileID) {
	o := p.files
	o.mu.Lock()
	o.gen++
	o.wrote[id] = o.gen
	o.mu.Unlock()
}

// lookupID is the identity of the file rel names now.
func (p *Profile) lookupID(rel string) (fileID, bool) {
	st, err := p.Lstat(rel)
	if err != nil {
		return fileID{}, false
	}
	return p.idOf(rel, &st), true
}

// OpenForWrite reports whether the file rel names has a handle open for
// writing: a write-back round leaves it to the next round.
func (p *Profile) OpenForWrite(rel string) bool {
	id, ok := p.lookupID(rel)
	if !ok {
		return false
	}
	p.files.mu.Lock()
	defer p.files.mu.Unlock()
	c := p.files.open[id]
	return c != nil && c.writers > 0
}

// WriteGen is the current write generation: take it before copying a file,
// and ask WrittenSince after.
func (p *Profile) WriteGen() uint64 {
	p.files.mu.Lock()
	defer p.files.mu.Unlock()
	return p.files.gen
}

// WrittenSince reports whether the file rel names may have changed since
// write generation gen: it is open for writing, was opened for writing (or
// truncated) since, or rel names no file now (renamed away: unknown).
func (p *Profile) WrittenSince(rel string, gen uint64) bool {
	id, ok := p.lookupID(rel)
	if !ok {
		return true
	}
	p.files.mu.Lock()
	defer p.files.mu.Unlock()
	if c := p.files.open[id]; c != nil && c.writers > 0 {
		return true
	}
	return p.files.wrote[id] > gen
}

// Exclusive runs fn, which replaces or removes the file rel names, while no
// handle is open on that file and no open of rel is under way; opens of rel
// wait until fn returns. It returns false without running fn when the file
// is open: the caller tries again later.
func (p *Profile) Exclusive(rel string, fn func() error) (bool, error) {
	k := p.nameKey(rel)
	o := p.files
	o.mu.Lock()
	for o.held[k] {
		o.cond.Wait()
	}
	o.held[k] = true
	for o.opening[k] > 0 {
		o.cond.Wait()
	}
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		delete(o.held, k)
		o.cond.Broadcast()
		o.mu.Unlock()
	}()
	if id, ok := p.lookupID(rel); ok {
		o.mu.Lock()
		c := o.open[id]
		busy := c != nil && (c.readers > 0 || c.writers > 0)
		o.mu.Unlock()
		if busy {
			return false, nil
		}
	}
	return true, fn()
}
