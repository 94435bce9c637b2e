package overlay

import (
	"os"
	"sync"

	"roamfs/journal"
)

// The journaling of open files, the same for both backends. Writes are
// coalesced per handle: the journal gets one record when the file is opened
// for writing (before the open is acknowledged, so a crash mid-write still
// leaves the path marked dirty) and one with the final size when the handle is
// fsynced or released and the file changed. Reads and writes may bypass the
// daemon entirely (FUSE passthrough on the Linux backend's Fd), which is why
// the dirty record is taken at open and not at the first write.
//
// A backend supplies openFile, createFile and *Handle (backend.go).

// handleState is what the journal knows about an open file.
type handleState struct {
	p        *Profile
	writable bool
	hive     bool   // a writable handle on a hive file: counted by the hive gate
	id       fileID // the file, for the open-handle count (openfiles.go)
	counted  bool   // counted there: uncounted at release

	mu   sync.Mutex
	last stamp // size and mtime when last journaled, to recognise a handle that wrote nothing
}

// stamp is the part of a Stat that tells whether a file changed.
type stamp struct{ size, sec, nsec int64 }

func stampOf(st *Stat) stamp {
	return stamp{size: int64(st.Size), sec: int64(st.Mtim.Sec), nsec: int64(st.Mtim.Nsec)}
}

// newHandleState describes a handle just opened with flags (os.O_*) on a file
// that is now st.
func (p *Profile) newHandleState(flags int, st *Stat) handleState {
	return handleState{p: p, writable: accessWrites(flags), last: stampOf(st), id: p.idOf("", st)}
}

// count adds h to the open-handle count (openfiles.go); rel names the file
// for a backend without inode numbers.
func (h *handleState) count(rel string) {
	if h.id.ino == 0 {
		h.id = fileID{key: h.p.nameKey(rel)}
	}
	h.p.addHandle(h.id, h.writable)
	h.counted = true
}

// Open opens the existing file rel. flags are os.O_* values (O_CREATE and
// O_EXCL are ignored). A handle opened for writing marks the path dirty in the
// journal at once.
func (p *Profile) Open(rel string, flags int) (*Handle, error) {
	flags &^= os.O_CREATE | os.O_EXCL
	if err := p.inside(rel); err != nil {
		return nil, err
	}
	writes := accessWrites(flags)
	if writes {
		if err := p.noSpace(); err != nil {
			return nil, err
		}
	}
	truncates := writes && flags&os.O_TRUNC != 0
	if !truncates {
		// A placeholder's data is fetched before anyone sees it; a
		// truncating open throws it away, so it needs none (fetch.go).
		if err := p.fetched(rel); err != nil {
			return nil, err
		}
	}
	h, again, err := p.openAdmitted(rel, flags, writes, truncates)
	if again {
		// A placeholder renamed onto rel since the fetch: open that one's data.
		return p.Open(rel, flags)
	}
	return h, err
}

// openAdmitted is Open once the data is local, admitted past a live pull
// replacing rel (openfiles.go). again asks the caller to start over.
func (p *Profile) openAdmitted(rel string, flags int, writes, truncates bool) (_ *Handle, again bool, _ error) {
	defer p.endOpen(p.beginOpen(rel))
	hive := writes && p.pol.IsHive(rel)
	if hive {
		p.hives.enter()
	}
	var h *Handle
	open := func() (err error) {
		h, err = p.openFile(rel, flags)
		return err
	}
	var err error
	if truncates {
		err = p.forgetting(rel, open)
	} else {
		err = open()
	}
	if !truncates && err == nil && p.fetcher != nil && p.fetcher.Pending(rel) {
		h.Release("")
		if hive {
			p.hives.leave()
		}
		return nil, true, nil
	}
	if err != nil {
		if hive {
			p.hives.leave()
		}
		return nil, false, err
	}
	h.hive = hive
	h.count(rel)
	if writes {
		p.wroteBy(h.id) // an open with O_TRUNC changed it already
	}
	h, err = p.opened(h, rel, flags)
	return h, false, err
}

// opened journals a handle opened for writing before the open is acknowledged.
func (p *Profile) opened(h *Handle, rel string, flags int) (*Handle, error) {
	if h.writable {
		op := journal.OpWrite
		if flags&os.O_TRUNC != 0 {
			op = journal.OpTruncate
		}
		if err := p.record(op, rel, "", h.last.size); err != nil {
			h.Release("")
			return nil, err
		}
	}
	return h, nil
}

// Create creates and opens rel (flags are os.O_*, O_CREATE implied), given to
// o when the daemon runs as root. The create is journaled once it is done.
func (p *Profile) Create(rel string, flags int, mode uint32, o *Owner) (*Handle, Stat, error) {
	if err := p.noSpace(); err != nil {
		return nil, Stat{}, err
	}
	if err := p.inside(rel); err != nil {
		return nil, Stat{}, err
	}
	if flags&os.O_TRUNC == 0 && flags&os.O_EXCL == 0 {
		// Creating a name that is a placeholder opens it (fetch.go).
		if err := p.fetched(rel); err != nil {
			return nil, Stat{}, err
		}
	}
	defer p.endOpen(p.beginOpen(rel))
	hive := p.pol.IsHive(rel)
	if hive {
		p.hives.enter()
	}
	var h *Handle
	var st Stat
	create := func() (err error) {
		h, st, err = p.createFile(rel, flags|os.O_CREATE, mode, o)
		return err
	}
	var err error
	if flags&os.O_TRUNC != 0 {
		err = p.forgetting(rel, create)
	} else {
		err = create()
	}
	if err != nil {
		if hive {
			p.hives.leave()
		}
		return nil, st, err
	}
	h.hive = hive
	h.count(rel)
	if err := p.record(journal.OpCreate, rel, "", int64(st.Size)); err != nil {
		h.Release("")
		return nil, st, err
	}
	return h, st, nil
}

// Allocate reserves space (fallocate); it can change the size.
func (h *Handle) Allocate(rel string, off, size int64, mode uint32) error {
	if err := h.allocate(off, size, mode); err != nil {
		return err
	}
	return h.settle(rel, true)
}

// Fsync makes the data durable and journals the final size, so an fsync is a
// point at which the change is known with its size.
func (h *Handle) Fsync(rel string, dataOnly bool) error {
	if err := h.sync(dataOnly); err != nil {
		return err
	}
	return h.settle(rel, true)
}

// Release closes the handle. rel is the file's path now (it may have been renamed
// while open) or "" when it was unlinked; the final size is journaled if the file
// changed through this handle or another one since the last record.
func (h *Handle) Release(rel string) error {
	var err error
	if rel != "" {
		// close(2) has returned already: this record acknowledges nothing,
		// the path has been journaled dirty since the open.
		err = h.settle(rel, false)
	}
	if cerr := h.close(); err == nil {
		err = cerr
	}
	if h.counted {
		h.p.dropHandle(h.id, h.writable)
		h.counted = false
	}
	if h.hive {
		h.p.hives.leave()
	}
	return err
}

// settle journals a write record with the final size if size or mtime moved
// since the last record of this handle; durably (before returning) when it
// answers an fsync.
func (h *Handle) settle(rel string, durable bool) error {
	if !h.writable || rel == "" {
		// "" is a file that lost its last name while open: nothing of it roams.
		return nil
	}
	st, err := h.Stat()
	if err != nil {
		return err
	}
	if !h.restamp(&st) {
		return nil
	}
	if !durable {
		h.p.recordLazily(journal.OpWrite, rel, int64(st.Size))
		return nil
	}
	return h.p.record(journal.OpWrite, rel, "", int64(st.Size))
}

// restamp remembers st as journaled and reports whether it differs from what
// was journaled before.
func (h *handleState) restamp(st *Stat) (changed bool) {
	s := stampOf(st)
	h.mu.Lock()
	defer h.mu.Unlock()
	changed = s != h.last
	h.last = s
	return changed
}
