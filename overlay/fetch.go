package overlay

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// The streamed logon (DESIGN.md): a file may be in the cache as a placeholder
// of the server's size, mode and times whose data is not local yet. stat and
// readdir answer from the placeholder as they would from the file; what needs
// the data asks the Fetcher first. The overlay does not know where the data
// comes from: the session wires the Fetcher to the syncer, so overlay still
// imports no store.

// Fetcher brings a placeholder's data into the cache. Its methods are called
// from FUSE requests, concurrently.
type Fetcher interface {
	// Pending reports whether rel is a placeholder. It must be cheap: every
	// open asks it.
	Pending(rel string) bool
	// Fetch returns once rel's data is in the cache (or rel is no
	// placeholder), or with an error: the server cannot be reached, ctx
	// ended; one wrapping fs.ErrNotExist when the file was deleted on the
	// server before it was ever read here (the open fails with ENOENT). Two
	// callers of one path share one download; a later call after a failure
	// tries again.
	Fetch(ctx context.Context, rel string) error
	// Forget runs op, which makes rel's old data unneeded (unlink, an open
	// with O_TRUNC, a truncate to 0), and then forgets rel's placeholder.
	Forget(rel string, op func() error) error
	// Move runs op, the rename of oldRel to newRel, and moves the
	// placeholders at and under oldRel with it (their data need not be
	// fetched to be renamed).
	Move(ctx context.Context, oldRel, newRel string, exchange bool, op func() error) error
}

// SetFetcher makes the profile ask f for the data of placeholders, with each
// wait bounded by timeout (policy PSFetchTimeout; 0 = 5s). Call it before the
// profile is mounted; nil (the default) means nothing is pending.
func (p *Profile) SetFetcher(f Fetcher, timeout time.Duration) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	p.fetcher, p.fetchWait = f, timeout
}

// fetched makes sure rel's data is local before an operation that reads or
// keeps it. A fetch that cannot finish in time fails with EIO, the errno a
// read from an unreachable share gives; the download goes on, and a later
// open finds it done or joins it.
func (p *Profile) fetched(rel string) error {
	if p.fetcher == nil || !p.fetcher.Pending(rel) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.fetchWait)
	defer cancel()
	err := p.fetcher.Fetch(ctx, rel)
	if errors.Is(err, fs.ErrNotExist) {
		// Deleted on the server by another machine before this one ever
		// read it: the open fails as it would on a share.
		p.log.Info("a file not yet local was deleted on the server copy meanwhile; the open fails with ENOENT",
			zap.Int("event_id", fetchFailedEvent), zap.String("path", rel), zap.Error(err))
		return &os.PathError{Op: "open", Path: rel, Err: syscall.ENOENT}
	}
	if err != nil {
		p.log.Warn("a file not yet local could not be fetched; the open fails",
			zap.Int("event_id", fetchFailedEvent), zap.String("path", rel), zap.Error(err))
		return &os.PathError{Op: "fetch", Path: rel, Err: syscall.EIO}
	}
	return nil
}

// fetchFailedEvent is event.FetchFailed (overlay does not import the event
// table; event_test pins the number).
const fetchFailedEvent = 1604

// forgetting runs op, which makes rel's old data unneeded, through the
// Fetcher when rel is a placeholder.
func (p *Profile) forgetting(rel string, op func() error) error {
	if p.fetcher == nil || !p.fetcher.Pending(rel) {
		return op()
	}
	return p.fetcher.Forget(rel, op)
}

// moving runs op, a rename, through the Fetcher, which moves the marks of
// placeholders with it.
func (p *Profile) moving(oldRel, newRel string, exchange bool, op func() error) error {
	if p.fetcher == nil {
		return op()
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.fetchWait)
	defer cancel()
	err := p.fetcher.Move(ctx, oldRel, newRel, exchange, op)
	if errors.Is(err, context.DeadlineExceeded) {
		return &os.PathError{Op: "fetch", Path: newRel, Err: syscall.EIO}
	}
	return err
}
