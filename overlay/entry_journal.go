package overlay

import "roamfs/journal"

// The journaling of operations on names, the same for both backends: an entry
// is journaled once it exists (create, mkdir, symlink, link) or is gone
// (unlink, rmdir); a rename before it is done. A backend supplies the
// lower-case operations (backend.go), which do the work in the cache.

// Rename flags, as renameat2(2) numbers them and FUSE passes them on Linux.
const (
	renameNoReplace = 1 << 0
	renameExchange  = 1 << 1
)

// makeEntry makes a new entry with mk (which also gives it to its owner) and
// journals it as op.
func (p *Profile) makeEntry(rel string, op journal.Op, mk func() (Stat, error)) (Stat, error) {
	if err := p.noSpace(); err != nil {
		return Stat{}, err
	}
	if err := p.inside(rel); err != nil {
		return Stat{}, err
	}
	defer p.endOpen(p.beginOpen(rel))
	st, err := mk()
	if err != nil {
		return st, err
	}
	return st, p.record(op, rel, "", int64(st.Size))
}

// Mkdir creates directory rel.
func (p *Profile) Mkdir(rel string, mode uint32, o *Owner) (Stat, error) {
	return p.makeEntry(rel, journal.OpMkdir, func() (Stat, error) { return p.mkdir(rel, mode, o) })
}

// Symlink creates rel as a symlink to target; the target is stored verbatim and
// never followed by the daemon.
func (p *Profile) Symlink(target, rel string, o *Owner) (Stat, error) {
	return p.makeEntry(rel, journal.OpSymlink, func() (Stat, error) { return p.symlink(target, rel, o) })
}

// Mknod creates a special file (a FIFO or socket; device nodes are refused by the
// kernel's permission checks for ordinary users). It does not roam: Windows
// profiles hold no such files, so it is journaled as a create only for the record.
func (p *Profile) Mknod(rel string, mode, dev uint32, o *Owner) (Stat, error) {
	return p.makeEntry(rel, journal.OpCreate, func() (Stat, error) { return p.mknod(rel, mode, dev, o) })
}

// Unlink removes the file or symlink rel.
func (p *Profile) Unlink(rel string) error {
	if err := p.inside(rel); err != nil {
		return err
	}
	defer p.endOpen(p.beginOpen(rel))
	// A placeholder deleted before it was read needs no download (fetch.go).
	if err := p.forgetting(rel, func() error { return p.remove(rel, false) }); err != nil {
		return err
	}
	return p.record(journal.OpUnlink, rel, "", 0)
}

// Rmdir removes the empty directory rel.
func (p *Profile) Rmdir(rel string) error {
	// A folder not yet materialized is empty in the cache only.
	if err := p.listing(rel); err != nil {
		return err
	}
	defer p.endOpen(p.beginOpen(rel))
	if err := p.remove(rel, true); err != nil {
		return err
	}
	return p.record(journal.OpRmdir, rel, "", 0)
}

// Rename moves oldRel to newRel (flags: RENAME_NOREPLACE, RENAME_EXCHANGE). The
// syncer turns it into a delete of the old path and a create of the new one.
//
// Unlike the other operations it is journaled before it is done: a rename
// over a synced file replaces content the journal knows nothing about, and a
// daemon killed between the rename and its record would leave the next logon
// to "restore" the server's old version over an acknowledged write. A record
// for a rename that then fails is harmless: replay compares real state.
//
// Placeholders of a streamed logon move with the rename, without their data
// (fetch.go).
func (p *Profile) Rename(oldRel, newRel string, flags uint32) error {
	// Folders not yet materialized are known by their path: none may move.
	// A folder renamed over must not look empty when it is not.
	if err := p.wholeTree(oldRel); err != nil {
		return err
	}
	over := p.listing
	if flags&renameExchange != 0 {
		over = p.wholeTree
	}
	if err := over(newRel); err != nil {
		return err
	}
	// Admitted outside the Fetcher's Move, which holds the fetch lock that a
	// live pull's replacement may take (openfiles.go).
	defer p.endOpen(p.beginOpen(oldRel))
	defer p.endOpen(p.beginOpen(newRel))
	return p.moving(oldRel, newRel, flags&renameExchange != 0, func() error {
		return p.rename(oldRel, newRel, flags, func(size int64) error {
			if err := p.record(journal.OpRename, newRel, oldRel, size); err != nil {
				return err
			}
			if flags&renameExchange != 0 {
				// Both names will hold something new.
				return p.record(journal.OpRename, oldRel, newRel, 0)
			}
			return nil
		})
	})
}

// Link makes newRel a hard link to existingRel. The server gets a copy: Windows
// profile shares do not keep hard links.
func (p *Profile) Link(existingRel, newRel string) (Stat, error) {
	if err := p.inside(existingRel); err != nil {
		return Stat{}, err
	}
	if err := p.inside(newRel); err != nil {
		return Stat{}, err
	}
	// Two names of one placeholder would part when its data replaces it.
	if err := p.fetched(existingRel); err != nil {
		return Stat{}, err
	}
	defer p.endOpen(p.beginOpen(newRel))
	st, err := p.link(existingRel, newRel)
	if err != nil {
		return st, err
	}
	return st, p.record(journal.OpLink, newRel, "", int64(st.Size))
}

// Extended attributes are served from the cache where the backend can. They
// do not travel to the server (an SMB share keeps its own streams); a change
// is still journaled as a setattr so the journal shows it.

// Setxattr sets attribute attr.
func (p *Profile) Setxattr(rel, attr string, data []byte, flags int) error {
	if err := p.inside(rel); err != nil {
		return err
	}
	if err := p.fetched(rel); err != nil {
		return err
	}
	if err := p.setxattr(rel, attr, data, flags); err != nil {
		return err
	}
	return p.record(journal.OpSetattr, rel, "", 0)
}

// Removexattr removes attribute attr.
func (p *Profile) Removexattr(rel, attr string) error {
	if err := p.inside(rel); err != nil {
		return err
	}
	if err := p.fetched(rel); err != nil {
		return err
	}
	if err := p.removexattr(rel, attr); err != nil {
		return err
	}
	return p.record(journal.OpSetattr, rel, "", 0)
}
