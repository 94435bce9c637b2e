package journal

import (
	"os"

	"golang.org/x/sys/unix"
)

// dataSync flushes f's data, and of its metadata only what reading it back
// needs: the write-ahead file's groups overwrite zeros within its length,
// so that is nothing (see wal.alloc).
func dataSync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}
