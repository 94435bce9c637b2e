package journal

import (
	"bufio"
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
// record the file holds beyond badger's last Seq is written into badger. The
// file is emptied only after a clean Close, when badger's files are complete.
// Every durable journal uses it (Options.WAL forces it for NoSync tests); it is
// the single flush per group of records, badger's own sync being off.

const walName = "roamfs-wal.log"

// Frame: 4-byte big-endian length, 4-byte CRC-32C of the payload, payload =
// encodeRecord. A torn last frame (crash mid-append) fails its length or CRC
// and ends the replay: only records whose append returned are promised.
var walCRC = crc32.MakeTable(crc32.Castagnoli)

type wal struct {
	f      *os.File
	path   string
	buf    []byte
	noSync bool // tests and benchmarks only
}

func openWAL(dir string) (*wal, error) {
	p := filepath.Join(dir, walName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open write-ahead file: %w", err)
	}
	return &wal{f: f, path: p}, nil
}

// append writes every record of the group and flushes them to the disk.
func (w *wal) append(group []*appendReq) error {
	w.buf = w.buf[:0]
	for _, r := range group {
		for _, rec := range r.recs {
			payload := encodeRecord(rec)
			var hdr [8]byte
			binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload)))
			binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(payload, walCRC))
			w.buf = append(append(w.buf, hdr[:]...), payload...)
		}
	}
	if _, err := w.f.Write(w.buf); err != nil {
		return fmt.Errorf("write-ahead file: %w", err)
	}
	if w.noSync {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("flush write-ahead file: %w", err)
	}
	return nil
}

// replay calls fn for every whole record in the file, in order.
func (w *wal) replay(fn func(Record) error) error {
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(w.f)
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil // end, or a torn header
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n > 1<<20 {
			return nil // torn: no record is that large
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil
		}
		if crc32.Checksum(payload, walCRC) != binary.BigEndian.Uint32(hdr[4:]) {
			return nil
		}
		rec, err := decodeRecord(payload)
		if err != nil {
			return nil
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// reset empties the file once badger holds everything durably.
func (w *wal) reset() error {
	if err := w.f.Truncate(0); err != nil {
		return err
	}
	return w.f.Sync()
}

func (w *wal) close() error { return w.f.Close() }

// recoverWAL writes the records the write-ahead file has and badger lacks.
func (j *Journal) recoverWAL() (int, error) {
	last := j.lastSeq.Load()
	var missing []Record
	err := j.wal.replay(func(r Record) error {
		if r.Seq > last {
			missing = append(missing, r)
		}
		return nil
	})
	if err != nil || len(missing) == 0 {
		return 0, err
	}
	err = j.db.Update(func(txn *badger.Txn) error {
		for _, r := range missing {
			if err := txn.Set(recordKey(r.Seq), encodeRecord(r)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, badger.ErrTxnTooBig) {
		err = fmt.Errorf("write-ahead file holds too many records for one transaction: %w", err)
	}
	if err != nil {
		return 0, err
	}
	for _, r := range missing {
		if r.Seq > last {
			last = r.Seq
		}
	}
	j.lastSeq.Store(last)
	return len(missing), nil
}
