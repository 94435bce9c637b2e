package main

// The profile runs (§3, §4) create and delete about a million files in the
// full run. On this machine's root file system (ext4 without a journal,
// mounted with discard) deleting a file that has blocks costs a synchronous
// discard: removing the copies took longer than measuring them. So the
// profiles live on a fresh ext4 (journaled, like a desktop's) in an image file
// in the work directory, loop-mounted with direct I/O so its page cache is the
// only one; tearing it down is an unmount and one file removal. Every tool in
// those sections — roamfs, rsync, cp — reads and writes the same file system.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const kindScratch mountKind = "scratch ext4"

// mountScratch makes an ext4 of size bytes with room for inodes files and
// mounts it at dir.
func (h *harness) mountScratch(ctx context.Context, dir string, size, inodes int64) (*mount, error) {
	img := dir + ".img"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(img)
	if err != nil {
		return nil, err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", img, err)
	}
	// Inode tables written now, not by ext4lazyinit in the background
	// while the benchmark runs.
	out, err := exec.CommandContext(ctx, "mkfs.ext4", "-q", "-F", "-m", "0", "-N", strconv.FormatInt(inodes, 10),
		"-E", "lazy_itable_init=0,lazy_journal_init=0", img).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("mkfs.ext4: %v: %s", err, strings.TrimSpace(string(out)))
	}
	dev, err := losetup(ctx, img)
	if err != nil {
		return nil, err
	}
	m := &mount{kind: kindScratch, dir: dir, dev: dev, img: img}
	h.register(m)
	if err := unix.Mount(dev, dir, "ext4", 0, ""); err != nil {
		h.unmountScratch(m)
		return nil, fmt.Errorf("mount %s on %s: %w", dev, dir, err)
	}
	return m, nil
}

// losetup attaches img to a free loop device, with direct I/O where the
// kernel offers it.
func losetup(ctx context.Context, img string) (string, error) {
	run := func(args ...string) (string, error) {
		var stderr strings.Builder
		cmd := exec.CommandContext(ctx, "losetup", args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		dev := strings.TrimSpace(string(out))
		if err == nil && !strings.HasPrefix(dev, "/dev/loop") {
			err = fmt.Errorf("unexpected output %q", dev)
		}
		if err != nil {
			return "", fmt.Errorf("losetup %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return dev, nil
	}
	dev, err := run("--find", "--show", "--direct-io=on", img)
	if err != nil {
		dev, err = run("--find", "--show", img)
	}
	return dev, err
}

// unmountScratch unmounts the scratch file system, detaches its loop device
// and removes the image. Whatever was mounted inside it must be gone first.
func (h *harness) unmountScratch(m *mount) error {
	m.teardown.Do(func() { m.downErr = h.tearDownScratch(m) })
	return m.downErr
}

func (h *harness) tearDownScratch(m *mount) error {
	defer h.unregister(m)
	err := forceUnmount(m.dir)
	if out, derr := exec.Command("losetup", "-d", m.dev).CombinedOutput(); derr != nil && err == nil {
		// A lazily unmounted device is detached by the kernel when it is
		// released; losetup -d then only marks it for that.
		err = fmt.Errorf("losetup -d %s: %v: %s", m.dev, derr, strings.TrimSpace(string(out)))
	}
	if rerr := os.Remove(m.img); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// scratchSize is the image size and inode count the profile sections need:
// per profile the server, a cache, an rsync and a cp copy per timed run.
func scratchSize(profiles []int, runs int) (size, inodes int64) {
	largest := profiles[len(profiles)-1]
	for _, n := range profiles {
		copies := int64(3) // server, cache, replica
		if n == largest {
			copies = int64(1 + 3*runs)
		}
		medium, large := mixCounts(n)
		bytes := int64(n-medium-large)*(smallMax+smallMin)/2 + int64(medium)*(mediumMax+mediumMin)/2 + int64(large)*(largeMax+largeMin)/2 + 4<<20
		size += copies * (bytes + int64(n)*4096) // a block of slack per file
		inodes += copies * int64(n+n/filesPerDir+100)
	}
	size = size*5/4 + 2<<30
	return (size + 1<<20 - 1) &^ (1<<20 - 1), inodes*5/4 + 100000 // whole MiB: loop devices count 512-byte sectors
}

// profileBase is where the profile sections put their trees: the scratch
// file system, or the work directory itself with -profile-fs dir.
func (h *harness) profileBase(ctx context.Context) (string, string, *mount) {
	if h.cfg.profileFS == "dir" {
		return h.work, fsOf(h.work), nil
	}
	size, inodes := scratchSize(h.cfg.profiles, h.cfg.runs)
	if free := diskFree(h.work); free < size+(2<<30) {
		note := fmt.Sprintf("only %d GiB free for a %d GiB scratch image: in the work directory instead", free>>30, size>>30)
		h.logf("profiles: %s", note)
		return h.work, fsOf(h.work) + " (" + note + ")", nil
	}
	dir := filepath.Join(h.work, "profiles")
	h.logf("profiles: a fresh %d GiB ext4 for the profile copies", size>>30)
	m, err := h.mountScratch(ctx, dir, size, inodes)
	if err != nil {
		h.logf("profiles: no scratch file system (%v): in the work directory instead", err)
		return h.work, fsOf(h.work) + " (the scratch ext4 failed: " + err.Error() + ")", nil
	}
	markTopDir(dir)
	return dir, fmt.Sprintf("a fresh ext4 with a journal (%d GiB image in the work directory on %s, loop device with direct I/O)", size>>30, m.dev), m
}
