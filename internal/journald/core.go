// Package journald is a zap core that writes to the systemd journal with
// each field as a journal field (EVENT_ID=1521, USER=alice), so an
// administrator's `journalctl EVENT_ID=1521` finds roamfs' events as their
// searches of the Windows event log would; and the readiness notice
// (sd_notify) of a Type=notify unit.
package journald

import (
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/coreos/go-systemd/v22/journal"
	"go.uber.org/zap/zapcore"
)

// ErrNoJournal: the journal's socket is not there (no systemd, a container).
var ErrNoJournal = errors.New("the systemd journal is not available")

// NewCore sends entries at level or above to the journal under identifier
// (SYSLOG_IDENTIFIER). It fails with ErrNoJournal where there is none.
func NewCore(level zapcore.Level, identifier string) (zapcore.Core, error) {
	if !journal.Enabled() {
		return nil, ErrNoJournal
	}
	return &core{LevelEnabler: level, fields: map[string]string{"SYSLOG_IDENTIFIER": identifier}}, nil
}

// ForStderr is NewCore when this process's standard error is connected to
// the journal (a systemd unit's): a daemon started by hand logs to its file
// only, and a unit's gets its entries with their fields rather than as text.
func ForStderr(level zapcore.Level, identifier string) (zapcore.Core, error) {
	if ok, err := journal.StderrIsJournalStream(); err != nil || !ok {
		return nil, ErrNoJournal
	}
	return NewCore(level, identifier)
}

// Ready tells systemd that the unit is up (Type=notify), with a status line;
// it does nothing outside a unit. err non-nil reports why it is not.
func Ready(status string, err error) {
	if err != nil {
		daemon.SdNotify(false, "STATUS="+oneLine(err.Error()))
		return
	}
	daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS="+oneLine(status))
}

// Stopping tells systemd that the unit is on its way down (the logoff sync).
func Stopping(status string) {
	daemon.SdNotify(false, daemon.SdNotifyStopping+"\nSTATUS="+oneLine(status))
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

type core struct {
	zapcore.LevelEnabler
	fields map[string]string // With's fields, already named for the journal
}

func (c *core) With(fs []zapcore.Field) zapcore.Core {
	n := &core{LevelEnabler: c.LevelEnabler, fields: make(map[string]string, len(c.fields)+len(fs))}
	for k, v := range c.fields {
		n.fields[k] = v
	}
	addFields(n.fields, fs)
	return n
}

func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *core) Write(e zapcore.Entry, fs []zapcore.Field) error {
	vars := make(map[string]string, len(c.fields)+len(fs))
	for k, v := range c.fields {
		vars[k] = v
	}
	addFields(vars, fs)
	return journal.Send(e.Message, priority(e.Level), vars)
}

func (c *core) Sync() error { return nil }

// addFields names zap's fields the journal's way: upper case, letters,
// digits and '_' only, never a leading '_' (those are the journal's own).
func addFields(dst map[string]string, fs []zapcore.Field) {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fs {
		f.AddTo(enc)
	}
	for k, v := range enc.Fields {
		if name := fieldName(k); name != "" {
			dst[name] = fmt.Sprint(v)
		}
	}
}

func fieldName(k string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(k) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), "_0123456789")
	if name == "" || name == "MESSAGE" || name == "PRIORITY" {
		return ""
	}
	return name
}

func priority(l zapcore.Level) journal.Priority {
	switch {
	case l >= zapcore.DPanicLevel:
		return journal.PriCrit
	case l >= zapcore.ErrorLevel:
		return journal.PriErr
	case l >= zapcore.WarnLevel:
		return journal.PriWarning
	case l >= zapcore.InfoLevel:
		return journal.PriInfo
	}
	return journal.PriDebug
}
