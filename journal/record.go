package journal

import (
	"fmt"
	"time"
)

// Op names a journaled operation. The values are stored, so never rename one.
type Op string

// The mutating operations the overlay journals.
const (
	OpCreate   Op = "create"
	OpMkdir    Op = "mkdir"
	OpWrite    Op = "write"
	OpTruncate Op = "truncate"
	OpSetattr  Op = "setattr"
	OpUnlink   Op = "unlink"
	OpRmdir    Op = "rmdir"
	OpRename   Op = "rename"
	OpSymlink  Op = "symlink"
	OpLink     Op = "link"
)

// Record is one journaled operation. Path/OldPath are profile-relative,
// '/'-separated.
type Record struct {
	Seq     uint64    // assigned by Append, starts at 1, strictly increasing
	Time    time.Time // wall clock of the operation, set by the caller (if zero, Append sets time.Now())
	Session string
	Op      Op
	Path    string
	OldPath string // rename only
	Size    int64  // resulting size when known, else 0
	Synced  bool   // derived when reading: Seq <= SyncedThrough()
}

const recordFormat = 1

// encodeRecord encodes everything but Synced, which is derived from the
// watermark when reading. Seq is stored in the value as well as in the key so
// that Scan can detect a value stored under the wrong key.
func encodeRecord(r Record) []byte {
	e := encoder{b: make([]byte, 0, 32+len(r.Session)+len(r.Op)+len(r.Path)+len(r.OldPath))}
	e.byte(recordFormat)
	e.uvarint(r.Seq)
	e.time(r.Time)
	e.str(r.Session)
	e.str(string(r.Op))
	e.str(r.Path)
	e.str(r.OldPath)
	e.varint(r.Size)
	return e.b
}

// decodeRecord decodes what encodeRecord wrote. Any other input gives an
// error wrapping ErrCorrupt; it never panics. Time comes back in the local
// time zone (time.Unix), without a monotonic reading.
func decodeRecord(b []byte) (Record, error) {
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != recordFormat {
		return Record{}, fmt.Errorf("decode record: unknown format %d: %w", v, ErrCorrupt)
	}
	var r Record
	r.Seq = d.uvarint()
	r.Time = d.time()
	r.Session = d.str()
	r.Op = Op(d.str())
	r.Path = d.str()
	r.OldPath = d.str()
	r.Size = d.varint()
	if err := d.finish(); err != nil {
		return Record{}, fmt.Errorf("decode record: %v: %w", err, ErrCorrupt)
	}
	return r, nil
}
