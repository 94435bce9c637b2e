package journal

import "errors"

var (
	// ErrLocked is returned (wrapped with the directory) when another process
	// holds the journal open, which means a roamfs session is running on this
	// cache. It is permanent for as long as that session lasts.
	ErrLocked = errors.New("journal is locked by another process: a roamfs session is running on this cache (log off first, or use a read-only command)")

	// ErrCorrupt is returned (wrapped with the key or path) when stored data
	// cannot be decoded. It is permanent: retrying will not help.
	ErrCorrupt = errors.New("journal data is corrupt; run `roamfs sync --full` to rebuild it from the server and the cache")

	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("journal is closed")

	// ErrReadOnly is returned by the writing methods of a journal opened with
	// Options.ReadOnly.
	ErrReadOnly = errors.New("journal is open read-only")
)
