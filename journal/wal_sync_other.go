//go:build !linux

package journal

import "os"

// dataSync is a full flush where there is no fdatasync (FlushFileBuffers
// on Windows).
func dataSync(f *os.File) error { return f.Sync() }
