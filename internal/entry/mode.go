package entry

import "io/fs"

// ModeBits are the bits of an fs.FileMode that roam: the permissions plus
// setuid, setgid and sticky. Everything else is the kind, or local detail.
const ModeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Go keeps setuid, setgid and sticky in high bits of its own; POSIX (stat's
// st_mode, FUSE, and the journal's stored mode, so that a base written on
// Linux reads the same on Windows) keeps them at 07000.
var special = []struct {
	posix  uint32
	goMode fs.FileMode
}{{0o4000, fs.ModeSetuid}, {0o2000, fs.ModeSetgid}, {0o1000, fs.ModeSticky}}

// ToPOSIX is m's ModeBits in POSIX layout: 0o7777 at most, no file type.
func ToPOSIX(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	for _, b := range special {
		if m&b.goMode != 0 {
			p |= b.posix
		}
	}
	return p
}

// FromPOSIX is the fs.FileMode of POSIX permission bits (a file type in
// mode is ignored): what os.Chmod and the store take.
func FromPOSIX(mode uint32) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	for _, b := range special {
		if mode&b.posix != 0 {
			m |= b.goMode
		}
	}
	return m
}
