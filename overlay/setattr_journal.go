package overlay

import "roamfs/journal"

// The journaling of SETATTR, the same for both backends: a size change is
// journaled as a truncate, mode, owner and times as one setattr record. A
// backend supplies Profile.setattr and Handle.setattr, which change the file
// and return what it is now.

// Setattr changes rel's attributes by path (chmod, truncate, utimes).
// Requests that name an open file go to Handle.Setattr.
//
// A placeholder (fetch.go) truncated to 0 and nothing else needs no data;
// any other change keeps some of its data or makes it look changed, so the
// data is fetched first.
func (p *Profile) Setattr(rel string, a Attr) (Stat, error) {
	var st Stat
	if err := p.inside(rel); err != nil {
		return st, err
	}
	change := func() (err error) {
		st, err = p.setattr(rel, a)
		return err
	}
	forget := a.Size != nil && *a.Size == 0 && !a.changesMetadata()
	if !forget {
		if err := p.fetched(rel); err != nil {
			return st, err
		}
	}
	defer p.endOpen(p.beginOpen(rel))
	var err error
	if forget {
		err = p.forgetting(rel, change)
	} else {
		err = change()
	}
	if err != nil {
		return st, err
	}
	if a.changesMetadata() {
		if err := p.record(journal.OpSetattr, rel, "", int64(st.Size)); err != nil {
			return st, err
		}
	}
	return st, nil
}

// truncated runs trunc, a truncate of rel to size by path, inside the hive
// gate and journals it.
func (p *Profile) truncated(rel string, size int64, trunc func() error) error {
	if p.pol.IsHive(rel) {
		p.hives.enterTruncate()
		defer p.hives.leave()
	}
	if err := trunc(); err != nil {
		return err
	}
	if id, ok := p.lookupID(rel); ok {
		p.wroteBy(id) // a write-back copying it now must not upload the copy
	}
	return p.record(journal.OpTruncate, rel, "", size)
}

// Setattr changes the open file's attributes through its handle (fchmod,
// ftruncate, futimens): the kernel names the handle when a program calls
// them, and the file may have no name any more. rel is its current path, or
// "" when it was unlinked (then nothing is journaled: nothing roams).
func (h *Handle) Setattr(rel string, a Attr) (Stat, error) {
	st, err := h.setattr(rel, a)
	if err != nil || rel == "" {
		return st, err
	}
	h.restamp(&st)
	if a.Size != nil {
		if err := h.p.record(journal.OpTruncate, rel, "", int64(st.Size)); err != nil {
			return st, err
		}
	}
	if a.changesMetadata() {
		return st, h.p.record(journal.OpSetattr, rel, "", int64(st.Size))
	}
	return st, nil
}
