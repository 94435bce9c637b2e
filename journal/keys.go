package journal

import (
	"encoding/binary"
	"fmt"
)

// Key schema. Every key starts with a two-byte prefix naming its kind, so
// one kind can be iterated (or counted, or dropped) without touching another.
//
//	r/<seq: 8 bytes big-endian>  -> encodeRecord(Record)     one per journaled operation
//	b/<path>                     -> encodeBase(Base)         one per profile path with a base version
//	m/<name>                     -> raw bytes                small roamfs metadata (SetMeta)
//	m/synced                     -> 8 bytes big-endian uint64 the synced watermark (Commit)
//	p/<path>                     -> encodeMark(mark)         one per path named by a pending record (pending.go)
//	m/folded                     -> 8 bytes big-endian uint64 every record up to it is in the p/ table
//
// Sequence numbers are big-endian so that badger's byte order is Seq order:
// Scan is a forward iteration and LastSeq a single reverse seek. Paths are
// stored as given (profile-relative, '/'-separated), so byte order is path
// order and everything under a directory "d" is the contiguous range "b/d/".
const (
	prefixRecord = "r/"
	prefixBase   = "b/"
	prefixMeta   = "m/"
	prefixPath   = "p/"

	// metaSynced is the meta name of the synced watermark. SetMeta refuses it:
	// only Commit may move the watermark, and never backwards.
	metaSynced = "synced"
	// metaFolded is the meta name of the pending-path table's high mark
	// (pending.go); reserved like metaSynced.
	metaFolded = "folded"

	recordKeyLen = len(prefixRecord) + 8
)

func recordKey(seq uint64) []byte {
	k := make([]byte, recordKeyLen)
	copy(k, prefixRecord)
	binary.BigEndian.PutUint64(k[len(prefixRecord):], seq)
	return k
}

// seqFromKey parses an r/ key. A key of the wrong length under r/ can only
// come from corruption (or a newer schema), so it is reported as ErrCorrupt.
func seqFromKey(k []byte) (uint64, error) {
	if len(k) != recordKeyLen || string(k[:len(prefixRecord)]) != prefixRecord {
		return 0, fmt.Errorf("record key %q: %w", k, ErrCorrupt)
	}
	return binary.BigEndian.Uint64(k[len(prefixRecord):]), nil
}

func baseKey(path string) []byte { return []byte(prefixBase + path) }

func pathFromBaseKey(k []byte) string { return string(k[len(prefixBase):]) }

func metaKey(name string) []byte { return []byte(prefixMeta + name) }

func pathKey(path string) []byte { return []byte(prefixPath + path) }

func pathFromPathKey(k []byte) string { return string(k[len(prefixPath):]) }

func encodeUint64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func decodeUint64(what string, b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%s: %d bytes, want 8: %w", what, len(b), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(b), nil
}
