package junction

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Create makes link a junction to target: an empty directory is created
// (link must not exist) and given the mount point reparse point. A
// directory left by a failure is removed again.
func Create(link, target string) error {
	p, err := Target(target)
	if err != nil {
		return err
	}
	buf, err := Encode(p)
	if err != nil {
		return err
	}
	if err := os.Mkdir(link, 0o755); err != nil {
		return fmt.Errorf("junction %s: %w", link, err)
	}
	h, err := openReparse(link, windows.GENERIC_WRITE)
	if err == nil {
		var n uint32
		err = windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &buf[0], uint32(len(buf)), nil, 0, &n, nil)
		windows.CloseHandle(h)
	}
	if err != nil {
		os.Remove(link)
		return fmt.Errorf("junction %s → %s: %w", link, target, err)
	}
	return nil
}

// Read returns where the junction at link leads; an error wrapping ErrFormat
// when link is a directory with another kind of reparse point (a symbolic
// link, a OneDrive placeholder) or none.
func Read(link string) (Point, error) {
	h, err := openReparse(link, 0)
	if err != nil {
		return Point{}, fmt.Errorf("junction %s: %w", link, err)
	}
	defer windows.CloseHandle(h)
	buf := make([]byte, MaxBuffer)
	var n uint32
	err = windows.DeviceIoControl(h, windows.FSCTL_GET_REPARSE_POINT, nil, 0, &buf[0], uint32(len(buf)), &n, nil)
	if errors.Is(err, windows.ERROR_NOT_A_REPARSE_POINT) {
		return Point{}, fmt.Errorf("junction %s: %w: a plain directory", link, ErrFormat)
	}
	if err != nil {
		return Point{}, fmt.Errorf("junction %s: %w", link, err)
	}
	p, err := Decode(buf[:n])
	if err != nil {
		return Point{}, fmt.Errorf("junction %s: %w", link, err)
	}
	return p, nil
}

// Remove removes the junction at link, never what it leads to: the reparse
// point is deleted first, then the (now plain, empty) directory. A link that
// is not a junction is left alone and is an error.
func Remove(link string) error {
	p, err := Read(link)
	if err != nil {
		return err
	}
	h, err := openReparse(link, windows.GENERIC_WRITE)
	if err != nil {
		return fmt.Errorf("junction %s: %w", link, err)
	}
	// REPARSE_GUID_DATA_BUFFER's header with the tag and no data is how a
	// Microsoft tag's reparse point is deleted.
	var hdr [8]byte
	*(*uint32)(unsafe.Pointer(&hdr[0])) = TagMountPoint
	var n uint32
	err = windows.DeviceIoControl(h, fsctlDeleteReparsePoint, &hdr[0], uint32(len(hdr)), nil, 0, &n, nil)
	windows.CloseHandle(h)
	if err != nil {
		return fmt.Errorf("junction %s → %s: delete the reparse point: %w", link, p.Path(), err)
	}
	return os.Remove(link)
}

// fsctlDeleteReparsePoint is FSCTL_DELETE_REPARSE_POINT, which x/sys/windows
// does not define.
const fsctlDeleteReparsePoint = 0x000900AC

// openReparse opens the directory itself, not what a reparse point leads to.
func openReparse(path string, access uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return windows.InvalidHandle, err
	}
	return windows.CreateFile(p, access|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
}
