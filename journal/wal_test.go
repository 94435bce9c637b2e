package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// walRecords writes recs into dir's write-ahead file directly, as if badger
// had lost them after they were acknowledged (Windows after a power loss).
func walRecords(t *testing.T, dir string, recs []Record, torn []byte) {
	t.Helper()
	w, err := openWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if err := w.append([]*appendReq{{recs: recs}}); err != nil {
		t.Fatal(err)
	}
	if len(torn) > 0 {
		if _, err := w.f.WriteAt(torn, w.size); err != nil { // where the next frame goes
			t.Fatal(err)
		}
	}
}

func TestWALRecoversRecordsBadgerLost(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(Record{Op: OpWrite, Path: "kept-by-badger"}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	at := time.Unix(1700000000, 5)
	var lost []Record
	for i := uint64(2); i <= 11; i++ {
		lost = append(lost, Record{Seq: i, Time: at, Session: "s", Op: OpCreate, Path: "lost/" + string(rune('a'+i))})
	}
	// A torn frame after them: a crash in the middle of the next append.
	walRecords(t, dir, lost, []byte{0, 0, 0, 40, 1, 2, 3})

	j, err = Open(dir, Options{NoSync: true, WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := j.LastSeq(); got != 11 {
		t.Fatalf("LastSeq after recovery = %d, want 11", got)
	}
	var paths []string
	j.Scan(true, func(r Record) error { paths = append(paths, r.Path); return nil })
	if len(paths) != 11 || paths[0] != "kept-by-badger" || paths[10] != lost[9].Path {
		t.Fatalf("records after recovery: %v", paths)
	}
	recs, err := j.Append(Record{Op: OpUnlink, Path: "next"})
	if err != nil || recs[0].Seq != 12 {
		t.Fatalf("append after recovery: %v %v", recs, err)
	}
}

func TestWALEmptiedAfterCleanClose(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := j.Append(Record{Op: OpWrite, Path: "f"}); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, walName))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("write-ahead file empty while open: %v %v", fi, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, walName)); fi.Size() != 0 {
		t.Fatalf("write-ahead file holds %d bytes after a clean close", fi.Size())
	}
	j, err = Open(dir, Options{WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.LastSeq() != 20 {
		t.Fatalf("LastSeq %d after reopen, want 20", j.LastSeq())
	}
}

// TestAppendNoWaitIsDurableByClose: a record handed over without waiting is
// written with the next group, at the latest when the journal closes.
func TestAppendNoWaitIsDurableByClose(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AppendNoWait(Record{Op: OpWrite, Path: "late", Size: 7}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.AppendNoWait(Record{Op: OpWrite, Path: "after"}); err == nil {
		t.Fatal("AppendNoWait after Close succeeded")
	}
	j, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var got []Record
	j.Scan(true, func(r Record) error { got = append(got, r); return nil })
	if len(got) != 1 || got[0].Path != "late" || got[0].Size != 7 {
		t.Fatalf("records after reopen: %+v", got)
	}
}

// A sync scans after a Barrier: every record handed over before it,
// AppendNoWait's included, is then in the scan.
func TestBarrierCommitsWhatWasHandedOver(t *testing.T) {
	j, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for round := 0; round < 50; round++ {
		if err := j.AppendNoWait(Record{Op: OpWrite, Path: "released", Size: int64(round)}); err != nil {
			t.Fatal(err)
		}
		if err := j.Barrier(); err != nil {
			t.Fatal(err)
		}
		if got := j.PendingCount(); got != round+1 {
			t.Fatalf("round %d: %d pending after the barrier, want %d", round, got, round+1)
		}
	}
	j.Close()
	if err := j.Barrier(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Barrier after Close: %v, want ErrClosed", err)
	}
}

// TestWALAppendsAfterTornTail: the rest of a frame torn by a crash (here
// garbage, then a whole frame of the unacknowledged group) is cleared at
// Open, and the next groups go where the last whole frame ended: a replay
// after a later crash reads every acknowledged record and nothing of the
// torn group. Appending after the torn bytes instead hid every later record
// from the replay behind them.
func TestWALAppendsAfterTornTail(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir)
	mustAppend(t, w, walRec(1, "acked-1"), walRec(2, "acked-2"))
	// The torn group: its first frame's header lost, a later frame whole.
	stale := encodeRecord(walRec(3, "never-acked"))
	torn := append([]byte{0xff, 0xff, 0, 0, 9, 9, 9, 9}, make([]byte, 16)...)
	torn = append(torn, frame(stale)...)
	if _, err := w.f.WriteAt(torn, w.size); err != nil {
		t.Fatal(err)
	}
	w.close()

	w = mustOpenWAL(t, dir)
	big := make([]Record, 0, 30000) // more than walChunk: the file grows mid-group
	for i := range 30000 {
		big = append(big, walRec(uint64(3+i), fmt.Sprintf("acked-after/%05d", i)))
	}
	if err := w.append([]*appendReq{{recs: big[:1]}}); err != nil {
		t.Fatal(err)
	}
	if err := w.append([]*appendReq{{recs: big[1:]}}); err != nil {
		t.Fatal(err)
	}
	w.close()

	w = mustOpenWAL(t, dir)
	defer w.close()
	got := walPaths(t, w)
	if len(got) != 2+len(big) || got[0] != "acked-1" || got[2] != "acked-after/00000" || got[len(got)-1] != "acked-after/29999" || slices.Contains(got, "never-acked") {
		t.Fatalf("replayed %d records (first %v, last %q), want the 2 acknowledged before the tear and the %d after", len(got), got[:min(3, len(got))], got[len(got)-1], len(big))
	}
	if w.alloc <= walChunk || w.alloc%walChunk != 0 {
		t.Fatalf("file is %d bytes: want whole chunks of zeros ahead", w.alloc)
	}
}

// frame is one write-ahead frame holding payload.
func frame(payload []byte) []byte {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(payload, walCRC))
	return append(hdr[:], payload...)
}

// TestWALFailedFlushLeavesNoFrames: a group whose flush failed was not
// acknowledged; the next group is written where it began and over its rest,
// so a replay gives the acknowledged groups in order and nothing of the
// failed one. (With the size moved past a failed group, a replay read its
// frames as records; on a disk where the failed flush left the zeros written
// ahead, it stopped there and lost every later group.)
func TestWALFailedFlushLeavesNoFrames(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir)
	mustAppend(t, w, walRec(1, "acked-1"))
	walSyncFault = func() error { return errors.New("injected: EIO from the disk") }
	err := w.append([]*appendReq{{recs: []Record{walRec(2, "failed-2"), walRec(3, "failed-3-with-a-longer-name")}}})
	walSyncFault = nil
	if err == nil {
		t.Fatal("a failed flush was reported as success")
	}
	// The committer hands the failed Seqs out again, to a shorter group.
	mustAppend(t, w, walRec(2, "acked-2"))
	mustAppend(t, w, walRec(3, "acked-3"))
	w.close()
	w = mustOpenWAL(t, dir)
	defer w.close()
	got := walPaths(t, w)
	if !slices.Equal(got, []string{"acked-1", "acked-2", "acked-3"}) {
		t.Fatalf("replayed %q, want the three acknowledged records only", got)
	}
}

// TestWALTornTailCleared: the rest of a torn group that holds whole frames
// after the torn one is zeroed at Open; without that, a next group exactly
// as long as the torn bytes would make the stale frame after it readable.
func TestWALTornTailCleared(t *testing.T) {
	dir := t.TempDir()
	w := mustOpenWAL(t, dir)
	mustAppend(t, w, walRec(1, "acked-1"))
	next := frame(encodeRecord(walRec(2, "acked-2")))
	torn := make([]byte, len(next)) // garbage exactly as long as the next frame
	for i := range torn {
		torn[i] = 0xee
	}
	torn = append(torn, frame(encodeRecord(walRec(3, "never-acked")))...)
	if _, err := w.f.WriteAt(torn, w.size); err != nil {
		t.Fatal(err)
	}
	w.close()
	w = mustOpenWAL(t, dir)
	mustAppend(t, w, walRec(2, "acked-2"))
	w.close()
	w = mustOpenWAL(t, dir)
	defer w.close()
	got := walPaths(t, w)
	if !slices.Equal(got, []string{"acked-1", "acked-2"}) {
		t.Fatalf("replayed %q, want acked-1 and acked-2 only", got)
	}
}

// walRec is a write record with Seq seq for path p.
func walRec(seq uint64, p string) Record {
	return Record{Seq: seq, Time: time.Unix(1700000000, 0), Session: "s", Op: OpWrite, Path: p}
}

// walPaths replays w and returns the records' paths in order.
func walPaths(t *testing.T, w *wal) []string {
	t.Helper()
	var got []string
	if err := w.replay(func(r Record) error { got = append(got, r.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func mustOpenWAL(t *testing.T, dir string) *wal {
	t.Helper()
	w, err := openWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustAppend(t *testing.T, w *wal, recs ...Record) {
	t.Helper()
	if err := w.append([]*appendReq{{recs: recs}}); err != nil {
		t.Fatal(err)
	}
}

// A release's record (AppendNoWait) waits for company: the next record somebody
// waits for goes out in the same flush, not in one after it. Alone, it is
// committed once lazyLinger has passed.
func TestAppendNoWaitRidesWithTheNextAppend(t *testing.T) {
	old := lazyLinger
	lazyLinger = 300 * time.Millisecond // far beyond the pause below, on any machine
	t.Cleanup(func() { lazyLinger = old })
	j := openTest(t, "")
	before := j.txns.Load()
	if err := j.AppendNoWait(Record{Op: OpWrite, Path: "released", Size: 3}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // what a program does between close and its next create
	if _, err := j.Append(Record{Op: OpCreate, Path: "next"}); err != nil {
		t.Fatal(err)
	}
	if got := j.txns.Load() - before; got != 1 {
		t.Errorf("the two records took %d commits, want 1", got)
	}
	if got := j.LastSeq(); got != 2 {
		t.Errorf("LastSeq = %d, want 2", got)
	}
	if err := j.AppendNoWait(Record{Op: OpWrite, Path: "alone", Size: 4}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for j.LastSeq() != 3 {
		if time.Now().After(deadline) {
			t.Fatal("a lone AppendNoWait record was never committed")
		}
		time.Sleep(lazyLinger / 4)
	}
}
