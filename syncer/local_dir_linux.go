package syncer

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// folderFD is the cache folder of a localDir opened as a plain descriptor, so
// that placing a file is the system calls cp makes and no more. Through
// os.Root each file cost five more: the poller's probes of the new file (four
// fcntl and an epoll_ctl), a readlinkat before its times were set and an
// lstat before the rename. A fill of thousands of small files is made of
// those calls (about a sixth of its system calls).
type folderFD struct{ f *os.File }

func openFolderFD(r *os.Root) (folderFD, error) {
	f, err := r.Open(".")
	return folderFD{f}, err
}

func (d folderFD) close() error { return d.f.Close() }

func (d folderFD) fd() int { return int(d.f.Fd()) }

// createTemp creates the new file name (a single name) for writing, with no
// one else's access; a name there already is an error.
func (d folderFD) createTemp(name string) (*os.File, error) {
	return d.create(name, unix.O_EXCL)
}

// createOver opens name (a single name) for writing from its start, creating
// it or truncating the regular file there; a symlink or a folder there is an
// error. A file created is nobody else's (0600 until its mode is set).
func (d folderFD) createOver(name string) (*os.File, error) {
	return d.create(name, unix.O_TRUNC)
}

func (d folderFD) create(name string, flag int) (*os.File, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(d.fd(), name, unix.O_WRONLY|unix.O_CREAT|flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return nil, &os.PathError{Op: "create", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// chtimes sets the access and modification times of name, not following a
// symlink; a zero t leaves them as they are, as os.Root.Chtimes does.
func (d folderFD) chtimes(name string, t time.Time) error {
	ts := unix.Timespec{Nsec: unix.UTIME_OMIT}
	if !t.IsZero() {
		ts = unix.NsecToTimespec(t.UnixNano())
	}
	err := retryEINTR(func() error {
		return unix.UtimesNanoAt(d.fd(), name, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return &os.PathError{Op: "chtimes", Path: name, Err: err}
	}
	return nil
}

// rename renames from to to, both single names in the folder.
func (d folderFD) rename(from, to string) error {
	if err := retryEINTR(func() error { return unix.Renameat(d.fd(), from, d.fd(), to) }); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

func (d folderFD) remove(name string) error {
	return retryEINTR(func() error { return unix.Unlinkat(d.fd(), name, 0) })
}

// retryEINTR calls op again while a signal interrupts it (Go's scheduler
// sends them; a folder on FUSE or CIFS can return EINTR), as os.Root does.
func retryEINTR(op func() error) error {
	for {
		if err := op(); err != unix.EINTR {
			return err
		}
	}
}
