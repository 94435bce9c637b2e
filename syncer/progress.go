package syncer

import (
	"sync"
	"sync/atomic"
)

// Progress is how far the running sync (a logon's downloads, a logoff's
// steps) has come, for the CLI's progress display while it waits.
type Progress struct {
	// "logon: listing" (the server copy is read: FilesDone counts its
	// entries, no totals yet), "logon" (downloads, or a streamed logon's
	// placeholders), "logoff"; "" before the first.
	Phase string `json:"phase"`
	// Run counts the phases started in this process: a command that asks
	// for the progress of the sync it starts takes Run beforehand and
	// ignores what it finds until Run grows (the last phase stays
	// reported, done, until the next one starts).
	Run        int64 `json:"run"`
	FilesDone  int64 `json:"files_done"`
	FilesTotal int64 `json:"files_total"`
	BytesDone  int64 `json:"bytes_done"`
	BytesTotal int64 `json:"bytes_total"`
	// Fill is the streamed logon's background fill while it runs (the
	// session fills it in: the fill is the session's, not a sync's).
	Fill *Progress `json:"fill,omitempty"`
}

// PhaseListing is a logon's first phase: the server copy is read (and a
// streamed logon's namespace kept), totals unknown.
const PhaseListing = "logon: listing"

// progress is the counters behind Progress: workers add to them without a
// lock; the phase changes rarely.
type progress struct {
	mu                    sync.Mutex
	phase                 string
	run                   atomic.Int64
	filesDone, filesTotal atomic.Int64
	bytesDone, bytesTotal atomic.Int64
}

// start begins a phase. It holds mu throughout, as Progress does: a reader
// never sees the new phase with the last one's counters.
func (p *progress) start(phase string, files, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = phase
	p.filesDone.Store(0)
	p.bytesDone.Store(0)
	p.filesTotal.Store(files)
	p.bytesTotal.Store(bytes)
	p.run.Add(1)
}

// listed counts one server entry read in the listing phase.
func (p *progress) listed() { p.filesDone.Add(1) }

func (p *progress) step(bytes int64) {
	p.filesDone.Add(1)
	p.bytesDone.Add(bytes)
}

// Progress reports the running sync's progress.
func (s *Syncer) Progress() Progress {
	p := &s.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	return Progress{Phase: p.phase, Run: p.run.Load(), FilesDone: p.filesDone.Load(), FilesTotal: p.filesTotal.Load(),
		BytesDone: p.bytesDone.Load(), BytesTotal: p.bytesTotal.Load()}
}

// stepBytes is what a step moves to or from the server.
func stepBytes(st Step) int64 {
	switch st.Action {
	case ActUpload, ActConflictLocal, ActConflictServer:
		return st.Local.Size
	}
	return 0
}
