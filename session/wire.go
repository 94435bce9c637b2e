package session

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"roamfs/journal"
	"roamfs/syncer"
)

// The control socket's JSON shapes that are also the command line's output:
// their keys are a contract with administrators' scripts.

// JournalEntry is one line of `roamfs journal --json`.
type JournalEntry struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	Session string `json:"session"`
	Op      string `json:"op"`
	Path    string `json:"path"`
	OldPath string `json:"old_path,omitempty"`
	Size    int64  `json:"size"`
	Synced  bool   `json:"synced"`
}

func entryOf(r journal.Record) JournalEntry {
	return JournalEntry{
		Seq: r.Seq, Time: r.Time.Format(time.RFC3339Nano), Session: r.Session, Op: string(r.Op),
		Path: r.Path, OldPath: r.OldPath, Size: r.Size, Synced: r.Synced,
	}
}

// WriteJournal writes the journal's pending entries (all: its whole history)
// as JSON lines.
// A release's record may still be on its way (journal.AppendNoWait): the
// Barrier shows it, as the sync would.
func WriteJournal(w io.Writer, j *journal.Journal, all bool) error {
	if err := j.Barrier(); err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	enc := json.NewEncoder(w)
	return j.Scan(all, func(r journal.Record) error { return enc.Encode(entryOf(r)) })
}

// JournalEntries reads the journal's pending entries (all: its whole history).
func JournalEntries(j *journal.Journal, all bool) ([]JournalEntry, error) {
	if err := j.Barrier(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var out []JournalEntry
	err := j.Scan(all, func(r journal.Record) error { out = append(out, entryOf(r)); return nil })
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return out, nil
}

// readJournalLines reads what WriteJournal wrote, or the error line a
// session sends when the journal failed it part way.
func readJournalLines(r io.Reader) ([]JournalEntry, error) {
	var out []JournalEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var e struct {
			JournalEntry
			Error string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		if e.Error != "" {
			return nil, fmt.Errorf("read journal: %s", e.Error)
		}
		out = append(out, e.JournalEntry)
	}
	return out, sc.Err()
}

// PlanEntry is one line of `roamfs logoff --dry-run --json`.
type PlanEntry struct {
	Path   string `json:"path"`
	Intent string `json:"intent"`
	Action string `json:"action"`
	Rule   string `json:"rule"`
}

// PlanEntries lists a logoff plan's steps.
func PlanEntries(p *syncer.Plan) []PlanEntry {
	out := make([]PlanEntry, 0, len(p.Steps))
	for _, st := range p.Steps {
		out = append(out, PlanEntry{Path: st.Path, Intent: st.Intent.String(), Action: st.Action.String(), Rule: st.Rule})
	}
	return out
}
