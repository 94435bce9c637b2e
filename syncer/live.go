package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"roamfs/journal"
	"roamfs/store"
)

// The live profile (DESIGN.md, "Live profile"): while the session runs, a
// write-back round replays the journal to the server exactly as a logoff does
// (PlanLogoff, the same decisions, the same two-phase commit) without
// unmounting, and a pull (live_pull.go) brings what other machines wrote back
// into the mounted cache by the logon table.
//
// What a round must not upload, it leaves pending:
//   - the hive: the hive stream's business (a snapshot through the hive
//     gate), which the session runs before the round with
//     PSMidSessionWriteBackReg; the logoff uploads it last in any case;
//   - a file open for writing when the round plans (Live.OpenForWrite), and
//     one opened for writing (or truncated) while it is being copied
//     (Live.WriteGen, WrittenSince: the copy fails at its end, before the
//     store renames it into place, so the server never holds a torn file).
//
// The journal has one watermark: Commit(through) marks every record up to
// through synced. A path left out must keep its intent, so before the commit
// the round journals one new write record for each (carry): it lies beyond
// the plan's Through and stays pending, and the next round (or the logoff)
// decides the path from its base and its state then, as always. A crash
// between the carry and the commit leaves the path pending twice, which is
// harmless; the records a left-out path had before are not needed, because a
// decision never reads records, only base, local and server versions.

// Live is the mounted profile's side of a round: overlay.Profile.
type Live interface {
	// OpenForWrite reports whether rel's file has a handle open for writing.
	OpenForWrite(rel string) bool
	// WriteGen and WrittenSince tell whether rel's file was opened for
	// writing (or truncated) since WriteGen was taken, or is open for
	// writing now.
	WriteGen() uint64
	WrittenSince(rel string, gen uint64) bool
	// Exclusive runs fn, which replaces or removes rel in the cache, while
	// no handle is open on it and opens and name changes of rel wait; false
	// (fn not run) when it is open.
	Exclusive(rel string, fn func() error) (bool, error)
}

// errBusy is a file written to while a round copied it.
var errBusy = errors.New("opened for writing while being copied")

// liveRound is a write-back round's state in the syncer.
type liveRound struct {
	live Live
	left []string // paths left out of the plan: journaled again before the commit
}

// begin prepares the upload of src: its write generation is taken before
// the file is opened, so a writer that opens it after this moment is seen
// by the guard at the end of the copy. A nil round guards nothing.
func (lr *liveRound) begin(src string) (func(io.Reader) io.Reader, error) {
	if lr == nil {
		return func(r io.Reader) io.Reader { return r }, nil
	}
	gen := lr.live.WriteGen()
	if lr.live.OpenForWrite(src) {
		return nil, errBusy
	}
	return func(r io.Reader) io.Reader {
		return &guardedReader{r: r, busy: func() bool { return lr.live.WrittenSince(src, gen) }}
	}, nil
}

// guardedReader fails the read that reaches the end of a file that was
// written to meanwhile: the store then discards its temporary copy.
type guardedReader struct {
	r    io.Reader
	busy func() bool
}

func (g *guardedReader) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	if err == io.EOF && g.busy() {
		return n, errBusy
	}
	return n, err
}

// carry journals a write record for each path the round left pending, so
// that the commit through the plan's Through does not mark them synced.
func (lr *liveRound) carry(s *Syncer, busy []string) error {
	if lr == nil {
		return nil
	}
	paths := append(append([]string(nil), lr.left...), busy...)
	if len(paths) == 0 {
		return nil
	}
	recs := make([]journal.Record, 0, len(paths))
	for _, p := range paths {
		v, _ := s.local.stat(p)
		recs = append(recs, journal.Record{Time: time.Now(), Session: s.cfg.Session, Op: journal.OpWrite, Path: p, Size: v.Size})
	}
	if _, err := s.cfg.Journal.Append(recs...); err != nil {
		return fmt.Errorf("keep the files left to the next round pending: %w", err)
	}
	return nil
}

// WriteBackResult is one write-back round's: the sync's Result (Busy names
// what was left to the next round, the hive aside) and the paths whose
// server version won over this machine's, which the pull that follows must
// bring into the cache (a conflict the server's version won, a delete a
// newer write beat).
type WriteBackResult struct {
	Result
	Refresh []string `json:"-"`
}

// WriteBack runs one write-back round: the logoff's plan and apply without
// the hive and without the files open for writing, which stay pending. An
// ErrMassDelete holds the round, as it holds a logoff. On a store with
// compare-and-swap (S3) a round is a logoff's loop (casLoop): its writes
// are conditional on the tags it read, and a round that loses a race with
// another machine's round or logoff plans again.
func (s *Syncer) WriteBack(ctx context.Context, live Live) (WriteBackResult, error) {
	var out WriteBackResult
	if n, _ := s.marks.count(); n > 0 {
		pd, err := s.loadPending()
		if err == nil {
			err = s.fetchCovered(ctx, pd)
		}
		if err != nil {
			out.Result = Result{Time: time.Now(), Error: err.Error()}
			return out, err
		}
	}
	defer func() { s.live = nil }()
	var (
		plan *Plan // the last attempt's
		lr   *liveRound
	)
	res, err := s.casLoop(ctx, "write-back round", func(ctx context.Context) (Result, error) {
		var err error
		plan, err = s.PlanLogoff(ctx)
		if err != nil {
			return Result{Time: time.Now(), Error: err.Error()}, err
		}
		lr = &liveRound{live: live}
		kept := plan.Steps[:0:0]
		for _, st := range plan.Steps {
			switch {
			case s.cfg.Policy.IsHive(st.Path):
				lr.left = append(lr.left, st.Path)
			case st.Local.Kind == KindFile && st.Action != ActDeleteServer && st.Action != ActKeepServer && live.OpenForWrite(st.Path):
				lr.left = append(lr.left, st.Path)
			default:
				kept = append(kept, st)
			}
		}
		plan.Steps = kept
		s.live = lr
		return s.applyPlan(ctx, plan, lr)
	})
	out.Result = res
	if lr != nil {
		for _, p := range lr.left {
			if !s.cfg.Policy.IsHive(p) {
				out.Busy = append(out.Busy, p)
			}
		}
	}
	if err != nil {
		return out, err
	}
	for _, st := range plan.Steps {
		if st.Action == ActKeepServer || st.Action == ActConflictServer {
			out.Refresh = append(out.Refresh, st.Path)
		}
	}
	for _, c := range out.ConflictList {
		if c.Winner == "server" {
			out.Refresh = append(out.Refresh, c.Path)
		}
		if c.Copy != "" {
			out.Refresh = append(out.Refresh, c.Copy)
		}
	}
	return out, nil
}

// Reachable reads the server copy's root, which a round needs before it
// changes anything: a share that is away, or a profile folder that is gone
// (renamed, not mounted), must not be taken for an empty profile. The
// names of the top level only: on S3 one listing, whatever the profile's
// size (a Walk there lists and describes every object first).
func (s *Syncer) Reachable(ctx context.Context) error {
	_, err := store.ListDir(ctx, s.cfg.Store, "", false)
	if err != nil {
		return fmt.Errorf("read server copy %s: %w", s.cfg.Store.Root(), err)
	}
	return nil
}
