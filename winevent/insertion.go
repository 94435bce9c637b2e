package winevent

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"go.uber.org/zap/zapcore"
)

// maxInsertion is ReportEvent's limit for one insertion string, in UTF-16
// code units; a longer one makes the call fail and the event is lost.
const maxInsertion = 31839

// InsertionString is the text that replaces %1 in an event's message: the
// entry's message, then its fields one "key: value" a line (the event id is
// the event's own, not repeated). Lines are CRLF-separated, as Event Viewer
// shows them; NULs are replaced (ReportEvent's strings end at a NUL) and an
// over-long string is cut to what ReportEvent accepts.
func InsertionString(ent zapcore.Entry, fields []zapcore.Field) string {
	lines := []string{ent.Message}
	if ent.LoggerName != "" {
		lines = append(lines, "logger: "+ent.LoggerName)
	}
	for _, f := range fields {
		if f.Key == EventIDKey {
			continue
		}
		lines = append(lines, fieldLines(f)...)
	}
	if ent.Stack != "" {
		lines = append(lines, "stack: "+ent.Stack)
	}
	s := strings.Join(lines, "\n")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\n", "\r\n")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return truncateUTF16(s, maxInsertion)
}

// fieldLines renders one field through zap's own encoding, so every field
// type (errors, durations, objects, arrays…) reads as in the JSON log. A
// field may yield several keys (an error with a verbose form), or none.
func fieldLines(f zapcore.Field) []string {
	if f.Type == zapcore.NamespaceType {
		return nil // nests the fields after it; they are shown flat
	}
	enc := zapcore.NewMapObjectEncoder()
	f.AddTo(enc)
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, k+": "+renderValue(enc.Fields[k]))
	}
	return lines
}

func renderValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case time.Duration:
		return v.String()
	case []byte:
		return string(v)
	case map[string]any, []any:
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// truncateUTF16 cuts s to at most limit UTF-16 code units, marking the cut.
func truncateUTF16(s string, limit int) string {
	if len(s) <= limit { // UTF-16 never takes more units than UTF-8 bytes
		return s
	}
	units := 0
	for _, r := range s {
		units += utf16.RuneLen(r)
	}
	if units <= limit {
		return s
	}
	const mark = "…" // one UTF-16 unit
	n := 0
	for i, r := range s {
		n += utf16.RuneLen(r)
		if n > limit-1 {
			return s[:i] + mark
		}
	}
	return s
}
