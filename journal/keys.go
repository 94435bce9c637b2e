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
//	t/p/<path>                   -> encodeMark(mark)         one per path named by a pending record (pending.go)
//	t/folded                     -> 8 bytes big-endian uint64 every record up to it is in the t/p/ table
//
// Sequence numbers are big-endian so that badger's byte order is Seq order:
// Scan is a forward iteration and LastSeq a single reverse seek. Paths are
// stored as given (profile-relative, '/'-separated), so byte order is path
// order and everything under a directory "d" is the contiguous range "b/d/".
//
// The pending-path table and its mark sort after the records, on purpose:
// badger compacts all its level-0 tables at once into the key range they
// span, and records only ever extend the r/ range at its end. A key before
// r/ in each memtable (a mark under m/ was the first try) makes that range
// the whole journal, and every compaction rewrote every record, holding a
// journal's worth of table builders in memory.
const (
	prefixRecord = "r/"
	prefixBase   = "b/"
	prefixMeta   = "m/"
	prefixTable  = "t/"
	prefixPath   = prefixTable + "p/"
	tableMarkKey = prefixTable + "folded"

	// metaSynced is the meta name of the synced watermark. SetMeta refuses it:
	// only Commit may move the watermark, and never backwards.
	metaSynced = "synced"

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
