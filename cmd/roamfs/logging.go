package main

import (
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
	"gopkg.in/natefinch/lumberjack.v2"

	"roamfs/internal/journald"
	"roamfs/winevent"
)

// Log rotation: a week-long session of a busy user must not fill the disk
// with its log, and the last sync's story must survive a rotation.
const (
	logMaxMB      = 10 // rotate past this size
	logMaxBackups = 5  // keep this many rotated files (compressed)
)

// logOptions are the command line's say over logging.
type logOptions struct {
	level   string // debug, info, warn, error
	verbose bool   // also to the terminal, in zap's console format
}

// newFileLogger writes JSON lines to the cache's log file, rotated by size:
// the daemon has no terminal, and an administrator greps the file for event
// ids. With verbose on a terminal, entries also go to stderr for a person.
func newFileLogger(path string, debug bool) (*zap.Logger, error) {
	return newLogger(path, logOpts.withDebug(debug))
}

func (o logOptions) withDebug(debug bool) logOptions {
	if debug {
		o.level = "debug"
	}
	return o
}

func newLogger(path string, o logOptions) (*zap.Logger, error) {
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	level := zapcore.InfoLevel
	if o.level != "" {
		if err := level.Set(o.level); err != nil {
			return nil, usageError{err}
		}
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	file := &lumberjack.Logger{Filename: path, MaxSize: logMaxMB, MaxBackups: logMaxBackups, Compress: true}
	cores := []zapcore.Core{zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(file), level)}
	if o.verbose && term.IsTerminal(int(os.Stderr.Fd())) {
		con := zap.NewDevelopmentEncoderConfig()
		con.EncodeLevel = zapcore.CapitalColorLevelEncoder
		cores = append(cores, zapcore.NewCore(zapcore.NewConsoleEncoder(con), zapcore.Lock(os.Stderr), level))
	}
	// On Windows the entries that carry an event id also go to the
	// Application log (source roamfs); elsewhere NewCore is unsupported.
	if ev, err := winevent.NewCore(zapcore.InfoLevel); err == nil {
		cores = append(cores, ev)
	}
	// Under systemd (roamfs@.service) entries also go to the journal, each
	// field a journal field: `journalctl -u roamfs@alice EVENT_ID=1521`.
	if jc, err := journald.ForStderr(level, "roamfs"); err == nil {
		cores = append(cores, jc)
	}
	return zap.New(zapcore.NewTee(cores...)), nil
}

// checkWritable opens the log file once, so a log that cannot be written is
// an error at the start (lumberjack would only fail at the first entry).
func checkWritable(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// logOpts is set from the root command's persistent flags.
var logOpts logOptions
