package journal

import (
	"fmt"
	"math"
	"time"
)

// Kind is the type of filesystem object a base version describes.
type Kind uint8

// Kinds. KindNone is the zero value; a stored base normally has another kind.
const (
	KindNone Kind = iota
	KindFile
	KindDir
	KindSymlink
)

func (k Kind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindFile:
		return "file"
	case KindDir:
		return "dir"
	case KindSymlink:
		return "symlink"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Base is the server version of a path the cache last agreed with.
type Base struct {
	Kind   Kind
	Size   int64
	MTime  time.Time // nanosecond precision round-trips exactly
	Mode   uint32    // permission bits
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
