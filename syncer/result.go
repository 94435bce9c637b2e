package syncer

import "time"

// What each kind of sync reports to its caller. The CLI prints them; where
// they have JSON keys, those keys are part of its contract.

// Result sums up a sync.
type Result struct {
	Time      time.Time `json:"time"`
	OK        bool      `json:"ok"`
	Uploaded  int       `json:"uploaded"`
	Deleted   int       `json:"deleted"`
	Kept      int       `json:"kept"`
	Conflicts int       `json:"conflicts"`
	Discarded int       `json:"discarded,omitempty"` // read-only or mandatory profile: changes not uploaded
	// ConflictList names each conflict of this sync: the path, the copy
	// that keeps the losing version, and both versions' machines and times.
	ConflictList []Conflict `json:"conflict_list,omitempty"`
	Through      uint64     `json:"through"`
	// Busy are the files a write-back round left to the next one: open
	// for writing, or written to while they were copied.
	Busy  []string `json:"busy,omitempty"`
	Error string   `json:"error,omitempty"`
}

// Conflict is one path both machines changed, as a sync resolved it.
type Conflict struct {
	Path   string          `json:"path"`   // the profile path (the cache's spelling)
	Copy   string          `json:"copy"`   // where the losing version is kept ("" without ConflictCopies)
	Winner string          `json:"winner"` // "local" (this machine's version is now the server's) or "server"
	Local  ConflictVersion `json:"local"`
	Server ConflictVersion `json:"server"`
	Rule   string          `json:"rule"`
}

// ConflictVersion is one side of a conflict.
type ConflictVersion struct {
	Host  string    `json:"host"` // the machine that wrote it, as conflict copies name it
	MTime time.Time `json:"mtime"`
	Size  int64     `json:"size"`
}

// Idle reports a sync that found nothing to do: it succeeded and moved,
// kept or discarded nothing. The status keeps the last sync that did
// something, so an idle `roamfs sync` does not hide it.
func (r Result) Idle() bool {
	return r.OK && r.Error == "" && r.Uploaded+r.Deleted+r.Kept+r.Conflicts+r.Discarded == 0
}

// LogonResult sums up a logon merge.
type LogonResult struct {
	Time         time.Time
	NewProfile   bool
	Replayed     *Result // an earlier session's unsynced changes, merged first
	Downloaded   int
	DeletedLocal int
	KeptLocal    int
	// Placeholders (streamed logon) are the files whose data was not
	// downloaded: they are fetched when opened or by the background fill.
	Placeholders     int
	PlaceholderBytes int64
}

// HiveResult is the outcome of one background upload.
type HiveResult struct {
	Time     time.Time `json:"time"`
	Uploaded []string  `json:"uploaded"`
	Skipped  []string  `json:"skipped,omitempty"` // with the reason
}
