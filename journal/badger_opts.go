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
// records and bases — a large profile has about 10^5 paths, under 10 MB — so:
//
//	memtables    2 × 4 MiB. The memtable size also sets badger's largest
//	             transaction (15%: ~600 KB, several thousand records) and
//	             the L0 table size, whose builder buffers are twice that.
//	compression  none, and so no block cache: badger only needs one to keep
//	             decompressed blocks, and reads come from the mmapped tables.
//	             Measured on 100k records + 100k bases, this halved the live
//	             heap (about 40 MB to 20 MB) against 8 MiB memtables, Snappy
//	             and an 8 MiB block cache.
//	index cache  4 MiB (bounded; 0 would keep every table index in memory)
//	value log    16 MiB files; only values over 128 KiB go there, so
//	             records and bases (tens of bytes; a few KiB for the
//	             deepest paths) always stay in the LSM tree, whose durable
//	             state is what lets the write-ahead file be emptied
//	             (wal_rotate.go). 128 KiB is under badger's limit, 15% of
//	             the memtable.
//	compactors   2 (the minimum badger accepts), L0 stalls early
//
// Conflict detection is off: the only concurrent writers are the group
// committer (records) and Commit/SetBases/SetMeta (disjoint keys, serialised
// by commitMu), so the per-transaction read tracking would be pure cost.
// valueThreshold: values larger than this go to badger's value log.
const valueThreshold = 128 << 10

func badgerOptions(dir string, opt Options) badger.Options {
	o := badger.DefaultOptions(dir).
		WithLogger(newZapBadgerLogger(opt.Logger)).
		// With the write-ahead file the records are durable before badger
		// sees them; badger's bases and watermark may lag after a crash,
		// which a replay (idempotent) absorbs.
		WithSyncWrites(!opt.NoSync && !opt.useWAL()).
		WithReadOnly(opt.ReadOnly).
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithMemTableSize(1 << 20). // its .mem log is mapped at twice this: small enough to back with real blocks (space.go)
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBaseTableSize(1 << 20).
		WithBaseLevelSize(8 << 20).
		WithBlockCacheSize(0). // needs Compression None
		WithIndexCacheSize(4 << 20).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(valueThreshold).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithCompression(options.None).
		// A damaged table must be an error, never a record silently
		// missing (a pending record lost is a change never uploaded): every
		// block is checked as it is read, and every table whole before
		// badger opens it (checkTables, preflight.go). Not badger's own
		// whole-table check at open as well: it reads the whole journal
		// through badger's maps, which then stay resident in the daemon.
		WithChecksumVerificationMode(options.OnBlockRead)
	// Every level's tables as small as the base level's (badger doubles
	// them per level by default): a compaction holds each table it builds
	// in memory, twice its size, several at once.
	o.TableSizeMultiplier = 1
	return o
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
