package main

import (
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"roamfs/internal/journald"
	"roamfs/winevent"
)

// newFileLogger writes JSON lines to the cache's log file: the daemon has no
// terminal, and an administrator greps the file for event ids.
func newFileLogger(path string, debug bool) (*zap.Logger, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	level := zapcore.InfoLevel
	if debug {
		level = zapcore.DebugLevel
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(f), level)
	// On Windows the entries that carry an event id also go to the
	// Application log (source roamfs); elsewhere NewCore is unsupported.
	if ev, err := winevent.NewCore(zapcore.InfoLevel); err == nil {
		core = zapcore.NewTee(core, ev)
	}
	// Under systemd (roamfs@.service) entries also go to the journal, each
	// field a journal field: `journalctl -u roamfs@alice EVENT_ID=1521`.
	if jc, err := journald.ForStderr(level, "roamfs"); err == nil {
		core = zapcore.NewTee(core, jc)
	}
	return zap.New(core), nil
}
