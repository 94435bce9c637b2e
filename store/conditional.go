package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// ErrPrecondition: a conditional write found the entry changed since its tag
// was read (another machine wrote it first). Nothing was written. Permanent:
// the caller re-reads and decides again.
var ErrPrecondition = errors.New("the entry changed since it was read")

// Conditional is implemented by a Store whose server offers a real
// compare-and-swap on one entry (S3's If-Match / If-None-Match on PutObject).
// A store without rename cannot make "write everything, then swap one file in"
// atomic across machines; a conditional write of the entry that records the
// outcome can: of two machines that read the same tag, only one write wins.
//
// The syncer uses it when LimitsOf-style unwrapping finds it (ConditionalOf)
// and falls back to Put otherwise. Calls go straight to the server, without
// the retrying decorator: after a write whose outcome is unknown a retry could
// only report the precondition failed, and the caller's re-read sorts that out.
type Conditional interface {
	// StatTag is Stat plus rel's tag: an opaque string that changes whenever
	// the entry is replaced (an S3 ETag); "" for a folder. Absent → error
	// wrapping fs.ErrNotExist.
	StatTag(ctx context.Context, rel string) (Info, string, error)
	// PutIf is Put of exactly size bytes that takes effect only if rel still
	// has tag ("" = only if rel is absent). Otherwise nothing changes and the
	// error wraps ErrPrecondition. It returns rel's new tag.
	PutIf(ctx context.Context, rel string, r io.Reader, size int64, mode fs.FileMode, mtime time.Time, tag string) (string, error)
}

// ConditionalOf returns s's Conditional, looking through decorators that have
// an Unwrap method; nil for a store without one (Dir, SMB).
func ConditionalOf(s Store) Conditional {
	for s != nil {
		if c, ok := s.(Conditional); ok {
			return c
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil
		}
		s = u.Unwrap()
	}
	return nil
}
