package syncer

import (
	"sync"
	"sync/atomic"
)

// Progress is how far the running sync (a logon's downloads, a logoff's
// steps) has come, for the CLI's progress display while it waits.
type Progress struct {
	Phase      string `json:"phase"` // "logon", "logoff", "" when idle
	FilesDone  int64  `json:"files_done"`
	FilesTotal int64  `json:"files_total"`
	BytesDone  int64  `json:"bytes_done"`
	BytesTotal int64  `json:"bytes_total"`
}

// progress is the counters behind Progress: workers add to them without a
// lock; the phase changes rarely.
type progress struct {
	mu                    sync.Mutex
	phase                 string
	filesDone, filesTotal atomic.Int64
	bytesDone, bytesTotal atomic.Int64
}

func (p *progress) start(phase string, files, bytes int64) {
	p.mu.Lock()
	p.phase = phase
	p.mu.Unlock()
	p.filesDone.Store(0)
	p.bytesDone.Store(0)
	p.filesTotal.Store(files)
	p.bytesTotal.Store(bytes)
}

func (p *progress) step(bytes int64) {
	p.filesDone.Add(1)
	p.bytesDone.Add(bytes)
}

// Progress reports the running sync's progress.
func (s *Syncer) Progress() Progress {
	p := &s.prog
	p.mu.Lock()
	phase := p.phase
	p.mu.Unlock()
	return Progress{Phase: phase, FilesDone: p.filesDone.Load(), FilesTotal: p.filesTotal.Load(),
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
