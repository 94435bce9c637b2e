// Package cgofuse is roamfs' Windows FUSE front end: it serves an
// overlay.Profile through cgofuse, over WinFsp on Windows, where it builds
// without cgo (WinFsp is loaded at run time), and over libfuse 3 on Linux (cgo,
// -tags fuse3), where the same code is tested on every CI run through the
// fs/fstest conformance suite.
//
// Like fs/gofuse it is a thin adapter: cgofuse names files by path
// ("/Documents/a.txt"), the adapter strips the leading slash and calls the
// overlay, keeps open files and directories in handle tables, and turns errors
// into negative errnos in one function (errc; on Windows Win32 codes and Go's
// invented errnos are mapped too). Open flags become os.O_* (flags.go), and a
// case-insensitive host learns stored spellings through Getpath. Every
// profile rule — what roams, what is journaled — lives in overlay.
//
// On Windows the overlay is its portable backend (os.Root); on Linux either
// backend, `-tags fuse3,roamfs_portable` for the portable one (make
// cgofuse-portable).
//
// Without -tags fuse3 on Linux the package is empty: cgofuse would otherwise
// need libfuse 2's headers, which roamfs does not use.
package cgofuse
