package winevent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

type reported struct {
	typ       EventType
	id        uint32
	insertion string
}

// recorder stands in for the Event Log.
type recorder struct{ events []reported }

func (r *recorder) Report(t EventType, id uint32, insertion string) error {
	r.events = append(r.events, reported{t, id, insertion})
	return nil
}

func TestTypeForLevel(t *testing.T) {
	want := map[zapcore.Level]EventType{
		zapcore.DebugLevel:  TypeInfo,
		zapcore.InfoLevel:   TypeInfo,
		zapcore.WarnLevel:   TypeWarning,
		zapcore.ErrorLevel:  TypeError,
		zapcore.DPanicLevel: TypeError,
		zapcore.PanicLevel:  TypeError,
		zapcore.FatalLevel:  TypeError,
	}
	for l, typ := range want {
		if got := TypeForLevel(l); got != typ {
			t.Errorf("TypeForLevel(%v) = %d, want %d", l, got, typ)
		}
	}
}

func TestEventID(t *testing.T) {
	cases := []struct {
		name   string
		fields []zapcore.Field
		id     uint32
		ok     bool
	}{
		{"none", []zapcore.Field{zap.String("path", "a")}, 0, false},
		{"int", []zapcore.Field{zap.Int("event_id", 1530)}, 1530, true},
		{"uint16", []zapcore.Field{zap.Uint16("event_id", 52)}, 52, true},
		{"last wins", []zapcore.Field{zap.Int("event_id", 1), zap.Int("event_id", 2)}, 2, true},
		{"string is not an id", []zapcore.Field{zap.String("event_id", "1530")}, 0, false},
		{"zero", []zapcore.Field{zap.Int("event_id", 0)}, 0, false},
		{"negative", []zapcore.Field{zap.Int("event_id", -3)}, 0, false},
		{"too big", []zapcore.Field{zap.Int64("event_id", 1<<33)}, 0, false},
	}
	for _, c := range cases {
		id, ok := EventID(c.fields)
		if id != c.id || ok != c.ok {
			t.Errorf("%s: EventID = %d, %v; want %d, %v", c.name, id, ok, c.id, c.ok)
		}
	}
}

// The core sends only entries with an event id, at the level it is given,
// with the type by level and the id from the entry or its logger's context.
func TestCoreReportsEventsOnly(t *testing.T) {
	rec := &recorder{}
	log := zap.New(newCore(zapcore.InfoLevel, rec))
	log.Info("plain line, no event")
	log.Debug("below the level", zap.Int("event_id", 1))
	log.Info("logon", zap.Int("event_id", 1), zap.String("server", `\\srv\profiles\alice`))
	log.With(zap.Int("event_id", 1530), zap.String("path", "Desktop/a.txt")).
		Warn("conflict", zap.String("rule", "newer wins"))
	log.Error("logoff failed", zap.Int("event_id", 1504), zap.Error(errors.New("server gone")))

	want := []reported{
		{TypeInfo, 1, "logon\r\nserver: \\\\srv\\profiles\\alice"},
		{TypeWarning, 1530, "conflict\r\npath: Desktop/a.txt\r\nrule: newer wins"},
		{TypeError, 1504, "logoff failed\r\nerror: server gone"},
	}
	if len(rec.events) != len(want) {
		t.Fatalf("reported %+v, want %+v", rec.events, want)
	}
	for i, w := range want {
		if rec.events[i] != w {
			t.Errorf("event %d: %+v, want %+v", i, rec.events[i], w)
		}
	}
}

func TestInsertionStringRendersFields(t *testing.T) {
	ent := zapcore.Entry{Message: "hive upload", LoggerName: "hive"}
	got := InsertionString(ent, []zapcore.Field{
		zap.Int("event_id", 52),
		zap.Bool("uploaded", true),
		zap.Int("records", 3),
		zap.Duration("took", 1500*time.Millisecond),
		zap.Time("at", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)),
		zap.Strings("paths", []string{"a", "b"}),
		zap.String("note", "two\nlines"),
		zap.Error(nil), // nothing to say
	})
	want := strings.Join([]string{
		"hive upload",
		"logger: hive",
		"uploaded: true",
		"records: 3",
		"took: 1.5s",
		"at: 2024-05-01T12:00:00Z",
		`paths: ["a","b"]`,
		"note: two",
		"lines",
	}, "\r\n")
	if got != want {
		t.Errorf("insertion string\n%q\nwant\n%q", got, want)
	}
}

// ReportEvent takes NUL-terminated strings of at most 31,839 characters: a
// NUL would fail the call and a longer string loses the event.
func TestInsertionStringFitsReportEvent(t *testing.T) {
	got := InsertionString(zapcore.Entry{Message: "a\x00b"}, nil)
	if got != "a\uFFFDb" {
		t.Errorf("NUL not replaced: %q", got)
	}
	long := strings.Repeat("€", maxInsertion) + "𝄞" // € is 1 UTF-16 unit, 𝄞 2
	got = InsertionString(zapcore.Entry{Message: long}, nil)
	if n := utf16Len(got); n > maxInsertion {
		t.Errorf("insertion string is %d UTF-16 units, limit %d", n, maxInsertion)
	}
	if !strings.HasSuffix(got, "…") {
		t.Error("cut not marked")
	}
	exact := strings.Repeat("x", maxInsertion)
	if got := InsertionString(zapcore.Entry{Message: exact}, nil); got != exact {
		t.Error("a string at the limit was cut")
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
