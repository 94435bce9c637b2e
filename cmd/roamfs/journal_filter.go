package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"roamfs/internal/winname"
	"roamfs/session"
)

// journalFilter is `roamfs journal`'s selection: what an administrator
// narrows a long journal by after something went wrong.
type journalFilter struct {
	prefix, since, session string
	ops                    []string
	limit                  int

	after time.Time
}

func (f *journalFilter) flags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.prefix, "path", "", "only entries for this path or below it (profile-relative, / or \\)")
	fl.StringVar(&f.since, "since", "", "only entries at or after this time: RFC 3339 (2026-12-04T09:00:00Z), a date (2026-12-04) or an age (90m, 2h)")
	fl.StringVar(&f.session, "session", "", "only entries of this session (an id or its first characters)")
	fl.StringSliceVar(&f.ops, "op", nil, "only these operations (repeat or separate with commas: write,unlink)")
	fl.IntVar(&f.limit, "limit", 0, "only the last N matching entries")
}

// parse checks the flags; a bad value is a usage error.
func (f *journalFilter) parse() error {
	if f.limit < 0 {
		return usageError{fmt.Errorf("--limit %d: want 0 (no limit) or more", f.limit)}
	}
	f.prefix = strings.Trim(strings.ReplaceAll(f.prefix, `\`, "/"), "/")
	if f.since == "" {
		return nil
	}
	if d, err := time.ParseDuration(f.since); err == nil && d >= 0 {
		f.after = time.Now().Add(-d)
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, f.since, time.Local); err == nil {
			f.after = t
			return nil
		}
	}
	return usageError{fmt.Errorf("--since %q: want RFC 3339 (2026-12-04T09:00:00Z), a date (2026-12-04) or an age (90m)", f.since)}
}

func (f *journalFilter) match(e session.JournalEntry) bool {
	if f.prefix != "" && !under(e.Path, f.prefix) && !under(e.OldPath, f.prefix) {
		return false
	}
	if f.session != "" && !strings.HasPrefix(e.Session, f.session) {
		return false
	}
	if len(f.ops) > 0 && !containsFold(f.ops, e.Op) {
		return false
	}
	if !f.after.IsZero() {
		t, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil || t.Before(f.after) {
			return false
		}
	}
	return true
}

// apply keeps the matching entries, the last limit of them.
func (f *journalFilter) apply(entries []session.JournalEntry) []session.JournalEntry {
	out := entries[:0]
	for _, e := range entries {
		if f.match(e) {
			out = append(out, e)
		}
	}
	if f.limit > 0 && len(out) > f.limit {
		out = out[len(out)-f.limit:]
	}
	return out
}

// under reports whether p is prefix or lies below it, names compared as
// Windows compares them (documents/x is under Documents).
func under(p, prefix string) bool {
	if p == "" {
		return false
	}
	if prefix == "" {
		return true
	}
	k, pk := winname.Key(p), winname.Key(prefix)
	return k == pk || strings.HasPrefix(k, pk+"/")
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

// humanTime shows a journal time (RFC 3339 with nanoseconds, as JSON keeps
// it) to the second in local time.
func humanTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04:05")
}
