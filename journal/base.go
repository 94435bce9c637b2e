package journal

import (
	"fmt"
	"math"
	"time"

	"roamfs/internal/entry"
)

// Kind is the type of filesystem object a base version describes: the one
// definition in package entry, shared with the store and the syncer. A base
// is stored with its kind as one byte; entry pins the values.
type Kind = entry.Kind

// Kinds. KindNone is the zero value; a stored base has one of the others
// (entry.KindOther never roams, so it is never stored).
const (
	KindNone    = entry.KindNone
	KindFile    = entry.KindFile
	KindDir     = entry.KindDir
	KindSymlink = entry.KindSymlink
)

// Base is the server version of a path the cache last agreed with.
type Base struct {
	Kind   Kind
	Size   int64
	MTime  time.Time // nanosecond precision round-trips exactly
	Mode   uint32    // permission bits in POSIX layout (entry.ToPOSIX)
	Target string    // symlink target
}

const baseFormat = 1

func (b Base) validate() error {
	if b.Kind > KindSymlink {
		return fmt.Errorf("invalid kind %d", uint8(b.Kind))
	}
	return nil
}

func encodeBase(b Base) []byte {
	e := encoder{b: make([]byte, 0, 24+len(b.Target))}
	e.byte(baseFormat)
	e.byte(byte(b.Kind))
	e.varint(b.Size)
	e.time(b.MTime)
	e.uvarint(uint64(b.Mode))
	e.str(b.Target)
	return e.b
}

// decodeBase decodes what encodeBase wrote; any other input gives an error
// wrapping ErrCorrupt, never a panic.
func decodeBase(p []byte) (Base, error) {
	d := decoder{b: p}
	if v := d.byte(); d.err == nil && v != baseFormat {
		return Base{}, fmt.Errorf("decode base: unknown format %d: %w", v, ErrCorrupt)
	}
	var b Base
	b.Kind = Kind(d.byte())
	b.Size = d.varint()
	b.MTime = d.time()
	mode := d.uvarint()
	b.Target = d.str()
	err := d.finish()
	if err == nil && mode > math.MaxUint32 {
		err = fmt.Errorf("mode %d out of range", mode)
	}
	if err == nil {
		err = b.validate()
	}
	if err != nil {
		return Base{}, fmt.Errorf("decode base: %v: %w", err, ErrCorrupt)
	}
	b.Mode = uint32(mode)
	return b, nil
}
