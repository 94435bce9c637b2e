package journal

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"time"
)

// Values are a small hand-rolled binary format rather than JSON: profile paths
// are arbitrary bytes on Linux, and encoding/json would silently replace
// invalid UTF-8 with U+FFFD, i.e. journal a different path than the one
// changed. Every value starts with a format version byte; integers are
// varints, strings are length-prefixed.
//
// Times are stored as (Unix seconds, nanoseconds) rather than UnixNano: the
// round trip is exact at nanosecond precision and also covers times outside
// 1678–2262, such as the zero Windows FILETIME (1601) a server may report.

var errShort = errors.New("truncated value")

type encoder struct{ b []byte }

func (e *encoder) byte(v byte)      { e.b = append(e.b, v) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) time(t time.Time) {
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

// decoder reads what encoder wrote. It never panics: the first problem is
// kept in err and every later read returns a zero value.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// uvarint accepts only the shortest encoding, so that every value has exactly
// one byte form (decode then encode gives the input back).
func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(v) {
		d.fail(errors.New("bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint undoes binary.AppendVarint's zig-zag encoding.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func uvarintLen(v uint64) int {
	if v == 0 {
		return 1
	}
	return (bits.Len64(v) + 6) / 7
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(errShort)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= uint64(time.Second) {
		d.fail(errors.New("nanoseconds out of range"))
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

// finish reports the first error, or trailing bytes, which would mean the
// value was written by a format this code does not know.
func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	return d.err
}
