package winevent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode/utf16"
)

// MessageTable is a decoded RT_MESSAGETABLE resource: what FormatMessage
// finds for each id in roamfs.exe.
type MessageTable struct {
	defs map[uint32]string
}

// errMalformed wraps every decoding failure, so a caller can tell a broken
// resource from other errors.
var errMalformed = errors.New("malformed " + resourceTypeName)

// DecodeMessageTable reads an RT_MESSAGETABLE resource as Windows would,
// checking every offset and length against the data rather than trusting it.
func DecodeMessageTable(data []byte) (*MessageTable, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("%w: %d bytes, no block count", errMalformed, len(data))
	}
	n := binary.LittleEndian.Uint32(data)
	if uint64(n)*blockSize > uint64(len(data)-4) {
		return nil, fmt.Errorf("%w: %d blocks do not fit in %d bytes", errMalformed, n, len(data))
	}
	t := &MessageTable{defs: make(map[uint32]string)}
	for i := range int(n) {
		b := data[4+blockSize*i:]
		low, high := binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[4:])
		off := binary.LittleEndian.Uint32(b[8:])
		if err := t.decodeBlock(data, low, high, off); err != nil {
			return nil, fmt.Errorf("%w: block %d (ids %d–%d): %w", errMalformed, i, low, high, err)
		}
	}
	return t, nil
}

func (t *MessageTable) decodeBlock(data []byte, low, high, off uint32) error {
	if low > high {
		return fmt.Errorf("low id above high id")
	}
	// Every entry takes at least its header: this bounds the loop by the data.
	if uint64(high-low+1)*entryHeaderSize > uint64(len(data)) {
		return fmt.Errorf("more entries than the data can hold")
	}
	pos := uint64(off)
	for id := uint64(low); id <= uint64(high); id++ {
		if pos+entryHeaderSize > uint64(len(data)) {
			return fmt.Errorf("entry %d at offset %d: past the end", id, pos)
		}
		length := uint64(binary.LittleEndian.Uint16(data[pos:]))
		flags := binary.LittleEndian.Uint16(data[pos+2:])
		if length < entryHeaderSize || pos+length > uint64(len(data)) {
			return fmt.Errorf("entry %d at offset %d: length %d out of bounds", id, pos, length)
		}
		text, err := decodeText(data[pos+entryHeaderSize:pos+length], flags)
		if err != nil {
			return fmt.Errorf("entry %d: %w", id, err)
		}
		if _, dup := t.defs[uint32(id)]; dup {
			return fmt.Errorf("id %d in two blocks", id)
		}
		t.defs[uint32(id)] = text
		pos += length
	}
	return nil
}

// decodeText reads an entry's text up to its NUL terminator.
func decodeText(b []byte, flags uint16) (string, error) {
	switch flags {
	case flagUnicode:
		units := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			u := binary.LittleEndian.Uint16(b[i:])
			if u == 0 {
				break
			}
			units = append(units, u)
		}
		return string(utf16.Decode(units)), nil
	case 0, flagUTF8: // ANSI (read as its ASCII subset) or UTF-8
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b), nil
	}
	return "", fmt.Errorf("unknown flags %#x", flags)
}

// Lookup returns the message definition stored for id, as FormatMessage
// finds it (escapes and inserts not yet applied).
func (t *MessageTable) Lookup(id uint32) (string, bool) {
	def, ok := t.defs[id]
	return def, ok
}

// IDs lists the ids the table defines, ascending.
func (t *MessageTable) IDs() []uint32 {
	ids := make([]uint32, 0, len(t.defs))
	for id := range t.defs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Format renders message id with its insertion strings the way Event Viewer
// shows an event: see FormatMessage.
func (t *MessageTable) Format(id uint32, inserts ...string) (string, error) {
	def, ok := t.defs[id]
	if !ok {
		return "", fmt.Errorf("message %d: not in the table", id)
	}
	return FormatMessage(def, inserts...)
}
