package winevent

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf16"
)

// The RT_MESSAGETABLE layout (winnt.h), all little-endian:
//
//	MESSAGE_RESOURCE_DATA  { DWORD NumberOfBlocks; MESSAGE_RESOURCE_BLOCK Blocks[]; }
//	MESSAGE_RESOURCE_BLOCK { DWORD LowId; DWORD HighId; DWORD OffsetToEntries; }
//	MESSAGE_RESOURCE_ENTRY { WORD Length; WORD Flags; BYTE Text[]; }
//
// A block covers consecutive ids; its entries follow each other, one per id,
// at OffsetToEntries (from the start of the resource). Length counts the
// entry's 4-byte header and its text, NUL included, padded to 4 bytes.
const (
	blockSize        = 12
	entryHeaderSize  = 4
	flagUnicode      = 0x0001 // MESSAGE_RESOURCE_UNICODE: Text is UTF-16LE
	flagUTF8         = 0x0002 // MESSAGE_RESOURCE_UTF8 (Windows 10 and later)
	maxEntryLength   = 0xFFFF // Length is a WORD
	entryAlign       = 4
	resourceTypeName = "RT_MESSAGETABLE"
)

// Message is one message definition stored in a message table.
type Message struct {
	ID         uint32
	Definition string // FormatMessage syntax, see Definition
}

// Messages turns event table rows into the definitions stored for them.
func Messages(events []Event) []Message {
	msgs := make([]Message, len(events))
	for i, e := range events {
		msgs[i] = Message{ID: e.ID, Definition: Definition(e.Text)}
	}
	return msgs
}

// EncodeMessageTable lays out msgs as an RT_MESSAGETABLE resource in UTF-16LE.
// Ids are stored as they are: Event Viewer looks a message up by the exact
// event id ReportEvent was given. The output depends only on msgs (sorted by
// id here), so a generated resource file is reproducible.
func EncodeMessageTable(msgs []Message) ([]byte, error) {
	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, func(a, b Message) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].ID == sorted[i-1].ID {
			return nil, fmt.Errorf("%s: message id %d defined twice", resourceTypeName, sorted[i].ID)
		}
	}
	blocks := consecutiveRuns(sorted)

	head := make([]byte, 4+blockSize*len(blocks))
	binary.LittleEndian.PutUint32(head, uint32(len(blocks)))
	var body []byte
	for bi, run := range blocks {
		b := head[4+blockSize*bi:]
		binary.LittleEndian.PutUint32(b[0:], run[0].ID)
		binary.LittleEndian.PutUint32(b[4:], run[len(run)-1].ID)
		binary.LittleEndian.PutUint32(b[8:], uint32(len(head)+len(body)))
		for _, m := range run {
			entry, err := encodeEntry(m.Definition)
			if err != nil {
				return nil, fmt.Errorf("%s: message %d: %w", resourceTypeName, m.ID, err)
			}
			body = append(body, entry...)
		}
	}
	return append(head, body...), nil
}

// consecutiveRuns splits id-sorted messages into runs of consecutive ids, one
// MESSAGE_RESOURCE_BLOCK each.
func consecutiveRuns(sorted []Message) [][]Message {
	var runs [][]Message
	start := 0
	for i := 1; i <= len(sorted); i++ {
		if i == len(sorted) || sorted[i].ID != sorted[i-1].ID+1 {
			runs = append(runs, sorted[start:i])
			start = i
		}
	}
	return runs
}

// encodeEntry is one MESSAGE_RESOURCE_ENTRY: the text in UTF-16LE,
// NUL-terminated and padded with NULs to a multiple of 4 bytes.
func encodeEntry(def string) ([]byte, error) {
	units := utf16.Encode([]rune(def))
	for _, u := range units {
		if u == 0 {
			// FormatMessage would stop at it; the rest would silently vanish.
			return nil, fmt.Errorf("text contains NUL")
		}
	}
	n := entryHeaderSize + 2*(len(units)+1)
	n = (n + entryAlign - 1) / entryAlign * entryAlign
	if n > maxEntryLength {
		return nil, fmt.Errorf("entry is %d bytes, the format allows %d", n, maxEntryLength)
	}
	b := make([]byte, n)
	binary.LittleEndian.PutUint16(b[0:], uint16(n))
	binary.LittleEndian.PutUint16(b[2:], flagUnicode)
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[entryHeaderSize+2*i:], u)
	}
	return b, nil
}
