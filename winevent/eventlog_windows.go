//go:build windows

package winevent

import (
	"errors"
	"fmt"
	"path/filepath"

	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/eventlog"
)

// sourceKey is where eventlog.Install registers the source.
const sourceKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application\` + Source

const typesSupported = eventlog.Error | eventlog.Warning | eventlog.Info

// Install registers the "roamfs" source in the Application log with
// exePath (roamfs.exe, which carries the message table) as its message file.
// Installing again is not an error: it points the source at exePath, so a
// moved or upgraded roamfs.exe keeps its messages. Needs administrator rights.
func Install(exePath string) error {
	if !filepath.IsAbs(exePath) {
		return fmt.Errorf("install event source %q: message file %q is not an absolute path", Source, exePath)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, sourceKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		if err := eventlog.Install(Source, exePath, false, typesSupported); err != nil {
			return fmt.Errorf("install event source %q: %w", Source, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("install event source %q: %w", Source, err)
	}
	defer k.Close()
	if err := k.SetStringValue("EventMessageFile", exePath); err != nil {
		return fmt.Errorf("install event source %q: EventMessageFile: %w", Source, err)
	}
	if err := k.SetDWordValue("TypesSupported", typesSupported); err != nil {
		return fmt.Errorf("install event source %q: TypesSupported: %w", Source, err)
	}
	return nil
}

// Remove unregisters the "roamfs" source; one not installed is not an error.
// Events already logged stay, shown without their text.
func Remove() error {
	err := eventlog.Remove(Source)
	if err != nil && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return fmt.Errorf("remove event source %q: %w", Source, err)
	}
	return nil
}

// NewCore returns a zap core that reports every entry carrying an event_id
// field at level or above to the Application log under "roamfs"; see
// eventCore. The event source handle lives as long as the process.
func NewCore(level zapcore.LevelEnabler) (zapcore.Core, error) {
	l, err := eventlog.Open(Source)
	if err != nil {
		return nil, fmt.Errorf("open event source %q: %w", Source, err)
	}
	return newCore(level, logReporter{l}), nil
}

// logReporter sends an event to the Event Log with the type the core chose.
type logReporter struct{ l *eventlog.Log }

func (r logReporter) Report(t EventType, id uint32, insertion string) error {
	var err error
	switch t {
	case TypeError:
		err = r.l.Error(id, insertion)
	case TypeWarning:
		err = r.l.Warning(id, insertion)
	default:
		err = r.l.Info(id, insertion)
	}
	if err != nil {
		return fmt.Errorf("report event %d to the event log: %w", id, err)
	}
	return nil
}
