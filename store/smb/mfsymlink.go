package smb

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	smb2 "github.com/cloudsoda/go-smb2"
)

// Minshall+French symlinks, as Linux's cifs client writes them with
// `mount -o mfsymlinks` (fs/smb/client/link.c): a file of exactly mfSize
// bytes: "XSym\n", the target's length as 4 digits and "\n", the target's
// MD5 in hex and "\n", the target, "\n", spaces to the end.
const (
	mfSize      = 1067
	mfTargetOff = 5 + 5 + 33
	mfMaxTarget = mfSize - mfTargetOff
)

// mfSymlink is the file content that stands for a symlink to target.
func mfSymlink(target string) ([]byte, error) {
	if len(target) == 0 || len(target) > mfMaxTarget {
		return nil, fmt.Errorf("symlink target of %d bytes: an SMB share stores targets of 1 to %d bytes: %w", len(target), mfMaxTarget, fs.ErrInvalid)
	}
	sum := md5.Sum([]byte(target))
	b := make([]byte, 0, mfSize)
	b = fmt.Appendf(b, "XSym\n%04d\n%s\n%s", len(target), hex.EncodeToString(sum[:]), target)
	if len(b) < mfSize {
		b = append(b, '\n')
	}
	for len(b) < mfSize {
		b = append(b, ' ')
	}
	return b, nil
}

// parseMFSymlink returns the target b stands for, if it is one.
func parseMFSymlink(b []byte) (string, bool) {
	if len(b) != mfSize || !bytes.HasPrefix(b, []byte("XSym\n")) || b[9] != '\n' || b[42] != '\n' {
		return "", false
	}
	n, err := strconv.Atoi(string(b[5:9]))
	if err != nil || n <= 0 || n > mfMaxTarget {
		return "", false
	}
	target := b[mfTargetOff : mfTargetOff+n]
	sum := md5.Sum(target)
	if hex.EncodeToString(sum[:]) != string(b[10:42]) {
		return "", false
	}
	return string(target), true
}

// readMFSymlink reads the file name (of mfSize bytes) and tells whether it
// is a symlink. A file gone meanwhile gives fs.ErrNotExist.
func readMFSymlink(sh *smb2.Share, name string) (string, bool, error) {
	f, err := sh.Open(name)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	b := make([]byte, mfSize+1)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	target, ok := parseMFSymlink(b[:n])
	return target, ok, nil
}
