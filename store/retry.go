package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// Retry is a Store decorator that repeats a call that failed with an error
// that can pass (IsPermanent false: EIO, a share that blinked, ErrChanged),
// with exponential backoff. A Put is repeated only when its reader can be
// rewound, a Walk only when it failed before visiting anything: a retry must
// never feed the caller something twice.
type Retry struct {
	Store
	Attempts int           // total tries, at least 1
	Backoff  time.Duration // first pause, doubled each time
	OnRetry  func(op string, attempt int, err error)
}

// NewRetry wraps s with 4 attempts starting at 100ms (about 1.5s at most).
func NewRetry(s Store) *Retry {
	return &Retry{Store: s, Attempts: 4, Backoff: 100 * time.Millisecond}
}

func (r *Retry) do(ctx context.Context, op string, fn func() error) error {
	pause := r.Backoff
	var last error
	for attempt := 1; ; attempt++ {
		err := fn()
		if errors.Is(err, errNoRetry) {
			return last
		}
		if err == nil || IsPermanent(err) || attempt >= r.Attempts {
			return err
		}
		last = err
		if r.OnRetry != nil {
			r.OnRetry(op, attempt, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(last, ctx.Err())
		case <-time.After(pause):
		}
		pause *= 2
	}
}

func (r *Retry) Stat(ctx context.Context, rel string) (i Info, err error) {
	err = r.do(ctx, OpStat, func() (e error) { i, e = r.Store.Stat(ctx, rel); return })
	return
}

func (r *Retry) Walk(ctx context.Context, rel string, fn func(Info) error) error {
	visited := false
	return r.do(ctx, OpWalk, func() error {
		if visited {
			return errNoRetry
		}
		return r.Store.Walk(ctx, rel, func(i Info) error { visited = true; return fn(i) })
	})
}

// errNoRetry stops the loop; the caller gets the error that led to it.
var errNoRetry = errors.New("cannot be retried")

func (r *Retry) Open(ctx context.Context, rel string) (rc io.ReadCloser, i Info, err error) {
	err = r.do(ctx, OpOpen, func() (e error) { rc, i, e = r.Store.Open(ctx, rel); return })
	return
}

func (r *Retry) Put(ctx context.Context, rel string, rd io.Reader, mode fs.FileMode, mtime time.Time) error {
	return r.do(ctx, OpPut, rewinding(rd, func(rd io.Reader) error { return r.Store.Put(ctx, rel, rd, mode, mtime) }))
}

func (r *Retry) PutVia(ctx context.Context, rel, tmp string, rd io.Reader, mode fs.FileMode, mtime time.Time) error {
	return r.do(ctx, OpPut, rewinding(rd, func(rd io.Reader) error { return r.Store.PutVia(ctx, rel, tmp, rd, mode, mtime) }))
}

// rewinding runs put again only from the start of the data.
func rewinding(rd io.Reader, put func(io.Reader) error) func() error {
	first := true
	return func() error {
		if !first {
			s, ok := rd.(io.Seeker)
			if !ok {
				return errNoRetry
			}
			if _, err := s.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
		first = false
		return put(rd)
	}
}

func (r *Retry) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	return r.do(ctx, OpMkdir, func() error { return r.Store.Mkdir(ctx, rel, mode) })
}

func (r *Retry) Symlink(ctx context.Context, target, rel string) error {
	return r.do(ctx, OpSymlink, func() error { return r.Store.Symlink(ctx, target, rel) })
}

func (r *Retry) Remove(ctx context.Context, rel string) error {
	return r.do(ctx, OpRemove, func() error { return r.Store.Remove(ctx, rel) })
}

func (r *Retry) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	return r.do(ctx, OpSetTimes, func() error { return r.Store.SetTimes(ctx, rel, mtime) })
}

// Unwrap returns the Store r wraps (LimitsOf looks through it).
func (r *Retry) Unwrap() Store { return r.Store }

// ListDir implements DirLister: the wrapped store's listing, retried.
func (r *Retry) ListDir(ctx context.Context, rel string, describe bool) (out []Info, err error) {
	err = r.do(ctx, OpWalk, func() (e error) { out, e = ListDir(ctx, r.Store, rel, describe); return })
	return
}
