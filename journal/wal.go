package journal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	badger "github.com/dgraph-io/badger/v4"
)

// The write-ahead file makes records durable where badger's sync is not:
// on Windows badger's SyncWrites ends in a memory-map flush that ristretto
// implements as an empty stub, so a power loss can take records badger
// acknowledged. Each group of records is first appended here and flushed with
// os.File.Sync (FlushFileBuffers on Windows, fsync elsewhere); at Open, any
// record the file holds that badger lacks is written into badger. The file is
// emptied after a clean Close, when badger's files are complete, and, where
// badger's own sync reaches the disk, whenever it grows past walRotateBytes
// and badger provably holds every record in it (wal_rotate.go), so that a
// session's write-ahead file stays bounded however long it runs. Every durable
// journal uses it (Options.WAL forces it for NoSync tests); it is the single
// flush per group of records, badger's own sync being off.

const walName = "roamfs-wal.log"

// Frame: 4-byte big-endian length, 4-byte CRC-32C of the payload, payload =
// encodeRecord. A torn last frame (crash mid-append) fails its length or CRC
// and ends the replay: only records whose append returned are promised.
var walCRC = crc32.MakeTable(crc32.Castagnoli)

type wal struct {
	f      *os.File
	path   string
	buf    []byte
	noSync bool  // tests and benchmarks only
	size   int64 // bytes of whole frames: where the next one goes; the committer's alone after Open
	// alloc is the file's length: the frames, then zeros written ahead of
	// them (walChunk at a time), so that a group overwrites blocks the file
	// already has within its length and fdatasync need persist no metadata
	// (on this machine's disk: 190 µs a flush against 325 µs for an append
	// and fsync). Zeros end a replay: a zero length is no frame.
	alloc int64
	// grew: zeros were written ahead since the last flush, so the next
	// flush must persist the new length too (a full fsync).
	grew bool
	// dirtyEnd: a group whose write or flush failed reached this far. Its
	// frames must not stay: a later crash would replay them (a record whose
	// append failed), or, where the failed flush left the disk's blocks as
	// the zeros written ahead (Linux marks pages clean after a failed
	// writeback), end the replay before every later group. So the next
	// group is written from where the failed one began, padded with zeros
	// to here, and flushed in full; that rewrite dirties the pages again.
	dirtyEnd int64
	// nextTry is the size at which the committer next tries to empty the
	// file (wal_rotate.go).
	nextTry int64
	// pinned: a record since the file was last emptied was large enough for
	// badger's value log, whose older files badger does not sync; the file
	// then stays until Close.
	pinned bool
}

func openWAL(dir string) (*wal, error) {
	p := filepath.Join(dir, walName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open write-ahead file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open write-ahead file: %w", err)
	}
	w := &wal{f: f, path: p, alloc: fi.Size(), nextTry: walRotateBytes}
	if w.size, err = w.scan(nil); err == nil {
		err = w.clearTail()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open write-ahead file: %w", err)
	}
	return w, nil
}

// walChunk is how much the file grows at a time, written as zeros.
const walChunk = 1 << 20

// clearTail zeros what lies between the last whole frame and the file's
// end when it is not zeros already: the rest of a frame torn by a crash,
// which the next frames would overwrite only in part. Without it, a replay
// after a later crash could read on past the new frames into the old rest.
func (w *wal) clearTail() error {
	tail := w.alloc - w.size
	if tail <= 0 {
		return nil
	}
	buf := make([]byte, min(tail, walChunk))
	zero := make([]byte, len(buf))
	dirty := false
	for off := w.size; off < w.alloc && !dirty; off += int64(len(buf)) {
		n, err := w.f.ReadAt(buf[:min(int64(len(buf)), w.alloc-off)], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		dirty = !bytes.Equal(buf[:n], zero[:n])
	}
	if !dirty {
		return nil
	}
	for off := w.size; off < w.alloc; off += int64(len(zero)) {
		if _, err := w.f.WriteAt(zero[:min(int64(len(zero)), w.alloc-off)], off); err != nil {
			return err
		}
	}
	return w.f.Sync()
}

// ensure makes the file long enough for need bytes of frames, writing zeros
// ahead of them.
func (w *wal) ensure(need int64) error {
	if need <= w.alloc {
		return nil
	}
	to := (need + walChunk - 1) / walChunk * walChunk
	zero := make([]byte, min(to-w.alloc, walChunk))
	for off := w.alloc; off < to; off += int64(len(zero)) {
		if _, err := w.f.WriteAt(zero[:min(int64(len(zero)), to-off)], off); err != nil {
			return err
		}
	}
	w.alloc, w.grew = to, true
	return nil
}

// append writes every record of the group and flushes them to the disk.
func (w *wal) append(group []*appendReq) error {
	w.buf = w.buf[:0]
	for _, r := range group {
		for _, rec := range r.recs {
			payload := encodeRecord(rec)
			if len(payload) >= valueThreshold {
				w.pinned = true
			}
			var hdr [8]byte
			binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload)))
			binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(payload, walCRC))
			w.buf = append(append(w.buf, hdr[:]...), payload...)
		}
	}
	if len(w.buf) == 0 {
		return nil // a group of barriers only: nothing to make durable
	}
	frames := int64(len(w.buf))
	if pad := w.dirtyEnd - (w.size + frames); pad > 0 {
		w.buf = append(w.buf, make([]byte, pad)...) // over the failed group's rest
	}
	if err := w.ensure(w.size + int64(len(w.buf))); err != nil {
		return fmt.Errorf("write-ahead file: grow: %w", err)
	}
	// On a failure the size does not move: the next group goes where this
	// one began (see dirtyEnd).
	fail := func(what string, err error) error {
		w.dirtyEnd = max(w.dirtyEnd, w.size+int64(len(w.buf)))
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := w.f.WriteAt(w.buf, w.size); err != nil {
		return fail("write-ahead file", err)
	}
	if !w.noSync {
		if err := w.flush(); err != nil {
			return fail("flush write-ahead file", err)
		}
	}
	w.size += frames
	w.grew, w.dirtyEnd = false, 0
	return nil
}

// flush makes the group just written durable: fdatasync, or a full fsync
// when the file grew (its new length) or a failed group is being
// overwritten (pages a failed flush left clean).
func (w *wal) flush() error {
	if walSyncFault != nil {
		if err := walSyncFault(); err != nil {
			return err
		}
	}
	if w.grew || w.dirtyEnd > 0 {
		return w.f.Sync()
	}
	return dataSync(w.f)
}

// walSyncFault, when set (tests), fails a group's flush.
var walSyncFault func() error

// replay calls fn for every whole record in the file, in order.
func (w *wal) replay(fn func(Record) error) error {
	_, err := w.scan(fn)
	return err
}

// scan reads the frames from the start, calling fn (if not nil) for each
// whole one, and returns the offset after the last: the end of the file, a
// torn frame, or the zeros written ahead.
func (w *wal) scan(fn func(Record) error) (int64, error) {
	r := bufio.NewReader(io.NewSectionReader(w.f, 0, w.alloc))
	var end int64
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return end, nil // end, or a torn header
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n == 0 || n > 1<<20 {
			return end, nil // zeros ahead, or torn: no record is empty or that large
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return end, nil
		}
		if crc32.Checksum(payload, walCRC) != binary.BigEndian.Uint32(hdr[4:]) {
			return end, nil
		}
		rec, err := decodeRecord(payload)
		if err != nil {
			return end, nil
		}
		if fn != nil {
			if err := fn(rec); err != nil {
				return end, err
			}
		}
		end += int64(len(hdr)) + int64(n)
	}
}

// reset empties the file once badger holds everything durably.
func (w *wal) reset() error {
	if err := w.f.Truncate(0); err != nil {
		return err
	}
	w.size, w.alloc, w.grew, w.dirtyEnd = 0, 0, false, 0
	return w.f.Sync()
}

func (w *wal) close() error { return w.f.Close() }

// recoverWAL writes the records the write-ahead file has and badger lacks:
// those beyond badger's last Seq, and any hole below it (a power loss can take
// a memtable badger had not flushed while a later one survived). Presence is
// judged against badger as it was opened, so when a Seq appears twice in the
// file (a group whose badger write failed gave its numbers back, and the next
// group reused them) the later frame, written last, wins. The file is read
// as a stream; the writes go out in transactions of badger's size limit.
//
// The pending-path table is left to foldTail, which Open runs next: a record
// put back at or below the table's mark first lowers the mark (in the same
// or an earlier transaction), so the fold covers it even after a crash here.
// Writing the entries here instead could leave one for a record that a later
// frame with the same Seq replaced.
func (j *Journal) recoverWAL() (int, error) {
	last := j.lastSeq.Load()
	snap := j.db.NewTransaction(false)
	defer snap.Discard()
	folded, err := readFolded(snap)
	if err != nil {
		return 0, err
	}
	w := chunkWriter{db: j.db}
	defer w.discard()
	n, newLast := 0, last
	err = j.wal.replay(func(r Record) error {
		if r.Seq <= last {
			_, err := snap.Get(recordKey(r.Seq))
			if err == nil {
				return nil
			}
			if !errors.Is(err, badger.ErrKeyNotFound) {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			}
		}
		if r.Seq <= folded {
			folded = r.Seq - 1
			if err := w.set(badger.NewEntry([]byte(tableMarkKey), encodeUint64(folded))); err != nil {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			}
		}
		if err := w.set(badger.NewEntry(recordKey(r.Seq), encodeRecord(r))); err != nil {
			return fmt.Errorf("record %d: %w", r.Seq, err)
		}
		n++
		newLast = max(newLast, r.Seq)
		return nil
	})
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		return 0, err
	}
	j.lastSeq.Store(newLast)
	return n, nil
}
