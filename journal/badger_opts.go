package journal

import (
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"go.uber.org/zap"
)

// badgerOptions sizes badger for a daemon that must stay under 100 MB RSS in
// total. badger's defaults are tuned for servers (64 MiB memtables ×5, a
// 256 MiB block cache, 1 GiB value-log files); the journal holds small
// records and bases — a large profile has about 10^5 paths — so a few MiB of
// each is plenty:
//
//	memtables    2 × 8 MiB (plus their mmapped WAL files)
//	block cache  8 MiB, index cache 4 MiB (bounded: 0 would keep every index)
//	value log    16 MiB files; values over 1 KiB go there, records and
//	             bases (tens of bytes) stay in the LSM tree
//	compactors   2 (the minimum badger accepts), L0 stalls early
//
// Conflict detection is off: the only concurrent writers are the group
// committer (records) and Commit/SetBases/SetMeta (disjoint keys, serialised
// by commitMu), so the per-transaction read tracking would be pure cost.
func badgerOptions(dir string, opt Options) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(newZapBadgerLogger(opt.Logger)).
		WithSyncWrites(!opt.NoSync).
		WithReadOnly(opt.ReadOnly).
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(8 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(1 << 10).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithCompression(options.Snappy)
}

// zapBadgerLogger passes badger's warnings and errors to zap. badger's info
// and debug lines (compaction and flush chatter) go to zap's debug level so a
// normal run does not show them.
type zapBadgerLogger struct {
	s     *zap.SugaredLogger
	debug bool // zap would drop debug lines: skip formatting them
}

func newZapBadgerLogger(l *zap.Logger) zapBadgerLogger {
	return zapBadgerLogger{s: l.Sugar(), debug: l.Core().Enabled(zap.DebugLevel)}
}

func trimmed(format string, args []any) string {
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}

func (l zapBadgerLogger) Errorf(f string, a ...any)   { l.s.Error("badger: " + trimmed(f, a)) }
func (l zapBadgerLogger) Warningf(f string, a ...any) { l.s.Warn("badger: " + trimmed(f, a)) }

func (l zapBadgerLogger) Infof(f string, a ...any) {
	if l.debug {
		l.s.Debug("badger: " + trimmed(f, a))
	}
}

func (l zapBadgerLogger) Debugf(f string, a ...any) { l.Infof(f, a...) }

var _ badger.Logger = zapBadgerLogger{}
