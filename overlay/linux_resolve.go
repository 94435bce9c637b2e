//go:build linux && !roamfs_portable

package overlay

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// beneath keeps every lookup inside the cache and refuses symlinks along the way:
// the profile's own symlinks are resolved by the kernel through READLINK, never
// by the daemon.
const beneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// maxChunk bounds the relative path handed to one openat2 call; deeper trees are
// walked chunk by chunk so PATH_MAX is never the limit.
const maxChunk = 2048

// openDir opens directory rel ("" = root) beneath the root with the given flags
// (O_PATH for lookups, O_RDONLY for listing). The caller closes the result.
func (p *Profile) openDir(rel string, flags int) (int, error) {
	if rel == "" || rel == "." {
		return unix.Openat(p.rootFd, ".", flags|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	dirfd := p.rootFd
	for rest := rel; rest != ""; {
		chunk := rest
		rest = ""
		if len(chunk) > maxChunk {
			cut := strings.LastIndexByte(chunk[:maxChunk], '/')
			if cut <= 0 {
				cut = strings.IndexByte(chunk, '/')
			}
			if cut > 0 {
				chunk, rest = chunk[:cut], chunk[cut+1:]
			}
		}
		fl := unix.O_PATH
		if rest == "" {
			fl = flags
		}
		fd, err := unix.Openat2(dirfd, chunk, &unix.OpenHow{
			Flags:   uint64(fl | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW),
			Resolve: beneath,
		})
		if dirfd != p.rootFd {
			unix.Close(dirfd)
		}
		if err != nil {
			return -1, err
		}
		dirfd = fd
	}
	return dirfd, nil
}

// parent opens the directory holding rel and returns it with rel's last name.
// done closes the descriptor unless it is the root's.
func (p *Profile) parent(rel string) (dirfd int, name string, done func(), err error) {
	dir, name := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return p.rootFd, name, func() {}, nil
	}
	fd, err := p.openDir(dir, unix.O_PATH)
	if err != nil {
		return -1, "", nil, err
	}
	return fd, name, func() { unix.Close(fd) }, nil
}
