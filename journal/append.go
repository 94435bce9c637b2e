package journal

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"roamfs/event"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// Group commit. One synced badger transaction costs an fsync, which caps a
// transaction-per-record journal at a few thousand records a second (about 6k/s
// on the reference machine, 100k/s with 100 records per transaction). So every
// Append hands its records to a single committer goroutine, which takes all
// the requests waiting at that moment, gives them consecutive Seqs, writes them
// in one transaction, syncs once and then wakes every waiter.

const (
	// maxGroupRecords bounds one group so a waiter is not held back by a
	// flood of later requests.
	maxGroupRecords = 1000
	// recordOverhead is a generous per-entry estimate of badger's own
	// bookkeeping, for staying under the transaction size limit.
	recordOverhead = 64
)

type appendReq struct {
	recs []Record
	done chan error // buffered(1): the committer never blocks on a waiter
	// lazy: nobody waits for it (AppendNoWait). A group of lazy requests
	// only lingers for company (committer).
	lazy bool
}

// lazyLinger is how long a group holding only AppendNoWait records waits for
// a request somebody waits for before it is written alone. A release's size
// record used to go out in a flush of its own the moment close(2) returned,
// and the program's next operation (the create of the next file) then waited
// for that flush before its own: two flushes per file created. Lingering, the
// release's record rides with the next create's flush. Losing it in a crash
// costs nothing (its comment above), and a Barrier, Close or a waited-for
// append ends the wait at once.
var lazyLinger = 10 * time.Millisecond // a variable for tests

// Append journals recs (in order) and returns them with Seq set, and Time set
// to time.Now() where it was zero. When it returns without error the records
// are durable (fsynced, unless Options.NoSync). The callers' own Seq and
// Synced fields are ignored; recs itself is not modified.
//
// Concurrent calls are batched into one transaction; the Seqs of one call are
// consecutive. A single call too large for one badger transaction is split
// across several, so a crash could keep a prefix of it; only such a call can
// also fail after a prefix of it was journaled. Callers should treat an error
// as "not journaled" and fail the operation (a replayed extra record is
// harmless: replay is idempotent).
//
// Append after Close returns ErrClosed; on a read-only journal, ErrReadOnly.
func (j *Journal) Append(recs ...Record) ([]Record, error) {
	req, out, err := j.submit(recs)
	if err != nil || req == nil {
		return out, err
	}
	if err := <-req.done; err != nil {
		return nil, fmt.Errorf("append to journal %s: %w", j.dir, err)
	}
	return out, nil
}

// AppendNoWait hands recs to the committer and returns without waiting for
// them to be durable: they go out with the next group. It is for records that
// acknowledge nothing to anybody — the final size of a file at release, when
// close(2) has long returned and the path was journaled dirty at open — so
// that a file's create does not pay for two fsyncs. A failure is logged by
// the committer; a lost one costs nothing (the sync reads the real file).
func (j *Journal) AppendNoWait(recs ...Record) error {
	_, _, err := j.submitReq(recs, true)
	return err
}

// Barrier waits until every record handed over before it — AppendNoWait's
// included — is committed (or its commit failed), so a reader that scans the
// journal after it sees them. A sync takes its snapshot after one: a file
// closed just before `roamfs sync` has its release record in that sync, not
// left pending behind it.
func (j *Journal) Barrier() error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("journal %s: %w", j.dir, err)
	}
	defer j.ops.Done()
	if j.ro {
		return nil // nothing is ever handed over
	}
	// The committer takes requests in the order they were sent and answers a
	// request only after the group holding it (and every earlier group) was
	// written: an empty request is answered after everything sent before it.
	req := &appendReq{done: make(chan error, 1)}
	select {
	case j.reqs <- req:
	case <-j.quit:
		return fmt.Errorf("journal %s: %w", j.dir, ErrClosed)
	}
	return <-req.done
}

// submit checks recs and hands them to the committer.
func (j *Journal) submit(recs []Record) (*appendReq, []Record, error) {
	return j.submitReq(recs, false)
}

func (j *Journal) submitReq(recs []Record, lazy bool) (*appendReq, []Record, error) {
	if err := j.writable(); err != nil {
		return nil, nil, fmt.Errorf("append to journal %s: %w", j.dir, err)
	}
	if len(recs) == 0 {
		return nil, []Record{}, nil
	}
	out := make([]Record, len(recs))
	var now time.Time
	for i, r := range recs {
		if r.Op == "" {
			return nil, nil, fmt.Errorf("append to journal %s: record %d has no op", j.dir, i)
		}
		if r.Op == OpRename && r.OldPath == "" {
			return nil, nil, fmt.Errorf("append to journal %s: rename of %q has no old path", j.dir, r.Path)
		}
		if r.Time.IsZero() {
			if now.IsZero() {
				now = time.Now().Round(0) // no monotonic reading: equal to what Scan returns
			}
			r.Time = now
		}
		r.Seq, r.Synced = 0, false
		out[i] = r
	}
	req := &appendReq{recs: out, done: make(chan error, 1), lazy: lazy}
	// reqs is unbuffered, so a send succeeds only while the committer is
	// receiving; once it has exited, quit is the only ready case. No request
	// can be left in a buffer after Close.
	select {
	case j.reqs <- req:
	case <-j.quit:
		return nil, nil, fmt.Errorf("append to journal %s: %w", j.dir, ErrClosed)
	}
	return req, out, nil
}

// committer is the only goroutine that writes records and moves lastSeq.
func (j *Journal) committer() {
	defer close(j.committerDone)
	budget := j.db.MaxBatchSize() / 2
	for {
		var first *appendReq
		select {
		case first = <-j.reqs:
		case <-j.quit:
			// Close: commit whatever is being handed over right now.
			for {
				select {
				case r := <-j.reqs:
					j.commitGroup([]*appendReq{r}, budget)
				default:
					return
				}
			}
		}
		// The writers woken by the previous commit are usually just about
		// to send again; one yield lets them join this group instead of
		// each paying for its own fsync. It costs microseconds against a
		// commit's milliseconds.
		runtime.Gosched()
		g := &group{budget: budget}
		g.add(first)
		if first.lazy {
			j.linger(g)
		}
	gather:
		for !g.full() {
			select {
			case r := <-j.reqs:
				g.add(r)
			default:
				break gather
			}
		}
		j.commitGroup(g.reqs, budget)
	}
}

// group is the requests the committer gathers for one commit.
type group struct {
	reqs   []*appendReq
	n      int   // records
	size   int64 // their estimated size
	budget int64
}

func (g *group) add(r *appendReq) {
	g.reqs = append(g.reqs, r)
	g.n += len(r.recs)
	g.size += reqSize(r)
}

func (g *group) full() bool { return g.n >= maxGroupRecords || g.size >= g.budget }

// linger adds requests to a group of lazy ones until one that somebody waits
// for arrives, the group is full, lazyLinger has passed or the journal
// closes (the committer's loop then sees quit).
func (j *Journal) linger(g *group) {
	t := time.NewTimer(lazyLinger)
	defer t.Stop()
	for !g.full() {
		select {
		case r := <-j.reqs:
			g.add(r)
			if !r.lazy {
				return
			}
		case <-t.C:
			return
		case <-j.quit:
			return
		}
	}
}

func reqSize(r *appendReq) int64 {
	var s int64
	for _, rec := range r.recs {
		s += int64(recordKeyLen + 24 + len(rec.Session) + len(rec.Op) + len(rec.Path) + len(rec.OldPath) + recordOverhead)
	}
	return s
}

// commitGroup assigns Seqs from lastSeq+1, writes the group in as few
// transactions as the size limit allows, and answers every request. A
// request succeeds if all its records are in committed transactions. lastSeq
// only moves past committed records, so after a failure the numbers are
// handed out again and Seqs stay dense.
func (j *Journal) commitGroup(group []*appendReq, budget int64) {
	next := j.lastSeq.Load() + 1
	for _, r := range group {
		for i := range r.recs {
			r.recs[i].Seq = next
			next++
			// Concurrent operations stamp their time before they queue, so
			// a later Seq could carry an earlier time by a few microseconds;
			// the journal promises times in Seq order, so clamp.
			if r.recs[i].Time.Before(j.lastTime) {
				r.recs[i].Time = j.lastTime
			}
			j.lastTime = r.recs[i].Time
		}
	}
	var err error
	committed := j.lastSeq.Load()
	j.space.check(false)
	if j.wal != nil {
		err = j.wal.append(group)
	}
	if err == nil {
		committed, err = j.writeRecords(group, budget)
	}
	j.lastSeq.Store(committed)
	if err != nil {
		j.log.Error("journal append failed", zap.Int("event_id", event.JournalFailed), zap.Error(err), zap.Uint64("committed_through", committed))
	}
	for _, r := range group {
		if len(r.recs) == 0 || r.recs[len(r.recs)-1].Seq <= committed {
			r.done <- nil
		} else {
			r.done <- err
		}
	}
	if err == nil {
		// After the waiters are answered: emptying the file costs a few
		// syncs that no acknowledgement needs to wait for; so does storing
		// the pending paths.
		j.maybeRotateWAL()
		j.maybeStorePaths()
	}
}

// writeRecords returns the highest Seq known to be committed. The paths of
// each committed transaction's records are folded into the pending-path
// table's in-memory part (pending.go).
func (j *Journal) writeRecords(group []*appendReq, budget int64) (uint64, error) {
	committed := j.lastSeq.Load()
	txn := j.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	var inTxn, size int64
	var txnLast uint64
	flush := func() error {
		if inTxn == 0 {
			return nil
		}
		if err := j.commitRecords(txn, group, committed+1, txnLast); err != nil {
			return err
		}
		j.txns.Add(1)
		committed = txnLast
		txn = j.db.NewTransaction(true)
		inTxn, size = 0, 0
		return nil
	}
	for _, r := range group {
		for _, rec := range r.recs {
			e := badger.NewEntry(recordKey(rec.Seq), encodeRecord(rec))
			es := int64(len(e.Key) + len(e.Value) + recordOverhead)
			if inTxn > 0 && size+es > budget {
				if err := flush(); err != nil {
					return committed, err
				}
			}
			err := txn.SetEntry(e)
			if errors.Is(err, badger.ErrTxnTooBig) && inTxn > 0 {
				// Our estimate was short; badger's own check is authoritative.
				if err = flush(); err == nil {
					err = txn.SetEntry(e)
				}
			}
			if err != nil {
				return committed, err
			}
			inTxn++
			size += es
			txnLast = rec.Seq
		}
	}
	return committed, flush()
}

// commitRecords commits a transaction holding the group's records from
// Seq first to last and folds their paths in, under tableMu: whoever reads or
// prunes the table sees both or neither.
func (j *Journal) commitRecords(txn *badger.Txn, group []*appendReq, first, last uint64) error {
	j.tableMu.Lock()
	defer j.tableMu.Unlock()
	if err := txn.Commit(); err != nil {
		return err
	}
	for _, r := range group {
		for _, rec := range r.recs {
			if rec.Seq >= first && rec.Seq <= last {
				j.fresh.add(rec)
			}
		}
	}
	return nil
}
