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
	Through   uint64    `json:"through"`
	Error     string    `json:"error,omitempty"`
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
