//go:build !linux && !windows

package overlay

import "io/fs"

// statOf is fi as far as Go's portable FileInfo tells it. No front end serves
// this OS yet; the overlay builds here so the package stays portable.
func statOf(fi fs.FileInfo) Stat { return genericStat(fi) }

// Statfs is not offered on this OS.
func (p *Profile) Statfs() (Statfs, error) { return Statfs{}, notSupported("statfs", p.root) }

// freeBytes cannot tell: the low-space guard never refuses here.
func (p *Profile) freeBytes() (int64, error) { return 0, notSupported("free space", p.root) }
