// Package junction makes and reads NTFS directory junctions: the roaming
// top-level folders of C:\Users\NAME (Desktop, Documents, AppData\Roaming,
// …) are junctions into the user's roamfs volume, while the folder itself,
// the hive and the nonroaming folders stay on NTFS (DESIGN.md, Windows
// logon).
//
// A junction is a directory carrying an IO_REPARSE_TAG_MOUNT_POINT reparse
// point; this file encodes and decodes its buffer (REPARSE_DATA_BUFFER,
// MountPointReparseBuffer) in pure Go, table-tested on Linux. The calls that
// set and read it (FSCTL_SET_REPARSE_POINT, FSCTL_GET_REPARSE_POINT) are in
// junction_windows.go; Wine 8 cannot make junctions, so those run only on
// Windows (scripts/pilot.ps1).
package junction

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// TagMountPoint is IO_REPARSE_TAG_MOUNT_POINT.
const TagMountPoint = 0xA0000003

// MaxBuffer is MAXIMUM_REPARSE_DATA_BUFFER_SIZE (16 KiB).
const MaxBuffer = 16 * 1024

// header: ReparseTag (4), ReparseDataLength (2), Reserved (2); then the
// mount point's SubstituteNameOffset, SubstituteNameLength,
// PrintNameOffset, PrintNameLength (2 each) and its PathBuffer.
const (
	headerLen = 8
	mountLen  = 8
)

// ErrFormat is a buffer that is not a well-formed junction.
var ErrFormat = errors.New("not a junction's reparse buffer")

// Point is a junction's two names.
type Point struct {
	// Substitute is the NT path the I/O manager follows, `\??\C:\…`.
	Substitute string
	// Print is what dir and Explorer show, `C:\…`.
	Print string
}

// Target makes the point for a junction to target, an absolute path with a
// drive letter (`C:\ProgramData\roamfs\mnt\S-1-5-…\Documents`) or a volume
// GUID path (`\\?\Volume{…}\…`). A UNC path cannot be a junction's target.
func Target(target string) (Point, error) {
	t := strings.ReplaceAll(target, "/", `\`)
	switch {
	case strings.HasPrefix(t, `\\?\Volume{`):
		return Point{Substitute: `\??\` + t[4:], Print: t}, nil
	case strings.HasPrefix(t, `\\?\`) || strings.HasPrefix(t, `\??\`):
		t = t[4:]
	case strings.HasPrefix(t, `\\`):
		return Point{}, fmt.Errorf("junction target %q: a network path cannot be a junction's target (mount the volume on a drive or folder)", target)
	}
	if len(t) < 3 || t[1] != ':' || t[2] != '\\' || !isLetter(t[0]) {
		return Point{}, fmt.Errorf("junction target %q: not an absolute path with a drive letter", target)
	}
	for _, c := range strings.Split(t[3:], `\`) {
		if c == "." || c == ".." {
			return Point{}, fmt.Errorf("junction target %q: %q is not allowed (junctions are not normalised)", target, c)
		}
	}
	if len(t) > 3 {
		t = strings.TrimRight(t, `\`)
	}
	return Point{Substitute: `\??\` + t, Print: t}, nil
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// Encode is the REPARSE_DATA_BUFFER FSCTL_SET_REPARSE_POINT takes: each name
// UTF-16 with its NUL (the lengths exclude it), substitute name first.
func Encode(p Point) ([]byte, error) {
	if p.Substitute == "" {
		return nil, fmt.Errorf("%w: empty substitute name", ErrFormat)
	}
	sub := utf16.Encode([]rune(p.Substitute))
	prn := utf16.Encode([]rune(p.Print))
	subLen, prnLen := 2*len(sub), 2*len(prn)
	dataLen := mountLen + subLen + 2 + prnLen + 2
	if headerLen+dataLen > MaxBuffer {
		return nil, fmt.Errorf("%w: names too long (%d bytes, at most %d)", ErrFormat, headerLen+dataLen, MaxBuffer)
	}
	b := make([]byte, headerLen+dataLen)
	le := binary.LittleEndian
	le.PutUint32(b[0:], TagMountPoint)
	le.PutUint16(b[4:], uint16(dataLen))
	le.PutUint16(b[8:], 0)
	le.PutUint16(b[10:], uint16(subLen))
	le.PutUint16(b[12:], uint16(subLen+2))
	le.PutUint16(b[14:], uint16(prnLen))
	path := b[headerLen+mountLen:]
	for i, u := range sub {
		le.PutUint16(path[2*i:], u)
	}
	for i, u := range prn {
		le.PutUint16(path[subLen+2+2*i:], u)
	}
	return b, nil
}

// Decode reads a junction's buffer as FSCTL_GET_REPARSE_POINT returns it.
// Every offset and length is checked against the buffer: it comes from the
// disk, and a folder in a user's profile is theirs to tamper with.
func Decode(b []byte) (Point, error) {
	le := binary.LittleEndian
	if len(b) < headerLen+mountLen {
		return Point{}, fmt.Errorf("%w: %d bytes", ErrFormat, len(b))
	}
	if tag := le.Uint32(b[0:]); tag != TagMountPoint {
		return Point{}, fmt.Errorf("%w: reparse tag %#x (a junction's is %#x)", ErrFormat, tag, TagMountPoint)
	}
	dataLen := int(le.Uint16(b[4:]))
	if dataLen < mountLen || headerLen+dataLen > len(b) {
		return Point{}, fmt.Errorf("%w: data length %d in a buffer of %d bytes", ErrFormat, dataLen, len(b))
	}
	path := b[headerLen+mountLen : headerLen+dataLen]
	name := func(off, n uint16) (string, error) {
		if off%2 != 0 || n%2 != 0 || int(off)+int(n) > len(path) {
			return "", fmt.Errorf("%w: name at %d+%d outside %d bytes", ErrFormat, off, n, len(path))
		}
		u := make([]uint16, n/2)
		for i := range u {
			u[i] = le.Uint16(path[int(off)+2*i:])
		}
		return string(utf16.Decode(u)), nil
	}
	sub, err := name(le.Uint16(b[8:]), le.Uint16(b[10:]))
	if err != nil {
		return Point{}, err
	}
	prn, err := name(le.Uint16(b[12:]), le.Uint16(b[14:]))
	if err != nil {
		return Point{}, err
	}
	if sub == "" {
		return Point{}, fmt.Errorf("%w: empty substitute name", ErrFormat)
	}
	return Point{Substitute: sub, Print: prn}, nil
}

// Path is where p leads, as a Win32 path: the print name when it has one,
// else the substitute name without its `\??\`.
func (p Point) Path() string {
	if p.Print != "" {
		return p.Print
	}
	return strings.TrimPrefix(p.Substitute, `\??\`)
}
