package winevent

import (
	"math"

	"go.uber.org/zap/zapcore"
)

// Source is the event source roamfs reports under, in the Application log.
const Source = "roamfs"

// EventIDKey is the field that makes a log entry an Event Log event; the
// Linux log carries the same field (see event.All).
const EventIDKey = "event_id"

// EventType is an event's type in the Event Log; the values are Windows'
// EVENTLOG_ERROR_TYPE, EVENTLOG_WARNING_TYPE and EVENTLOG_INFORMATION_TYPE.
type EventType uint16

const (
	TypeError   EventType = 0x0001
	TypeWarning EventType = 0x0002
	TypeInfo    EventType = 0x0004
)

// TypeForLevel maps a zap level to the event type: Warn is a warning, Error
// and above an error, anything below Warn (Debug, Info) information.
func TypeForLevel(l zapcore.Level) EventType {
	switch {
	case l >= zapcore.ErrorLevel:
		return TypeError
	case l == zapcore.WarnLevel:
		return TypeWarning
	}
	return TypeInfo
}

// EventID finds the event id among a log entry's fields (the core's context
// first, then the entry's own, the last one winning as in the JSON log). An
// entry without one, or with one no event id can be, is not an event.
func EventID(fields []zapcore.Field) (uint32, bool) {
	var id int64
	found := false
	for _, f := range fields {
		if f.Key != EventIDKey {
			continue
		}
		switch f.Type {
		case zapcore.Int64Type, zapcore.Int32Type, zapcore.Int16Type, zapcore.Int8Type,
			zapcore.Uint64Type, zapcore.Uint32Type, zapcore.Uint16Type, zapcore.Uint8Type:
			id, found = f.Integer, true
		default:
			found = false
		}
	}
	if !found || id <= 0 || id > math.MaxUint32 {
		return 0, false
	}
	return uint32(id), true
}

// reporter is where the core sends events: the Event Log on Windows, a
// recorder in the tests.
type reporter interface {
	Report(t EventType, id uint32, insertion string) error
}

// eventCore is a zapcore.Core that passes entries carrying an event id to a
// reporter and drops the rest: the Event Log is for what an administrator
// searches by id, the full log stays in the log file (use zapcore.NewTee).
type eventCore struct {
	zapcore.LevelEnabler
	r       reporter
	context []zapcore.Field
}

func newCore(level zapcore.LevelEnabler, r reporter) zapcore.Core {
	return &eventCore{LevelEnabler: level, r: r}
}

func (c *eventCore) With(fields []zapcore.Field) zapcore.Core {
	ctx := make([]zapcore.Field, 0, len(c.context)+len(fields))
	ctx = append(append(ctx, c.context...), fields...)
	return &eventCore{LevelEnabler: c.LevelEnabler, r: c.r, context: ctx}
}

func (c *eventCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *eventCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	all := fields
	if len(c.context) > 0 {
		all = append(append(make([]zapcore.Field, 0, len(c.context)+len(fields)), c.context...), fields...)
	}
	id, ok := EventID(all)
	if !ok {
		return nil
	}
	return c.r.Report(TypeForLevel(ent.Level), id, InsertionString(ent, all))
}

// Sync has nothing to do: ReportEvent has returned once the event is logged.
func (c *eventCore) Sync() error { return nil }
