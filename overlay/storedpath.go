package overlay

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"syscall"

	"roamfs/internal/winname"
)

// StoredPath returns rel with each name spelled as the cache stores it. A
// Windows profile is case-insensitive and case-preserving (policy
// CaseInsensitive): a program may open "desktop/NOTES.TXT" and must then see,
// and the journal record, "Desktop/notes.txt". WinFsp asks for that spelling
// through FUSE's getpath; on NTFS the cache already finds the file under any
// spelling but only a listing tells how it is stored.
//
// Each name matches an entry spelled exactly the same first; otherwise the one
// entry Windows takes for the same name (winname.Equal, the identity the
// syncer merges by). A case-sensitive cache (Linux) can hold "a" and "A":
// with several such entries and no exact one the name is ambiguous and not
// found (ENOENT), since only its exact spelling would name one file.
func (p *Profile) StoredPath(rel string) (string, error) {
	if rel == "" {
		return "", nil
	}
	if err := p.inside(rel); err != nil {
		return "", err
	}
	parts := strings.Split(rel, "/")
	dir := ""
	for i, name := range parts {
		stored, err := p.storedName(dir, name)
		if err != nil {
			return "", fmt.Errorf("stored path %s: %w", rel, err)
		}
		parts[i] = stored
		dir = path.Join(dir, stored)
	}
	return strings.Join(parts, "/"), nil
}

// listBatch is how many names storedName reads at a time: it stops at an exact
// match, so a large directory is read to its end only for a misspelled name.
const listBatch = 256

// storedName finds name in directory dir as StoredPath describes.
func (p *Profile) storedName(dir, name string) (string, error) {
	d, err := p.OpenDirFile(dir)
	if err != nil {
		return "", err
	}
	defer d.Close()
	folded, n := "", 0
	for {
		names, err := d.Readdirnames(listBatch)
		for _, s := range names {
			if s == name {
				return s, nil
			}
			if winname.Equal(s, name) {
				folded, n = s, n+1
			}
		}
		if errors.Is(err, io.EOF) || err == nil && len(names) == 0 {
			break
		}
		if err != nil {
			return "", fmt.Errorf("list %s: %w", dir, err)
		}
	}
	switch n {
	case 1:
		return folded, nil
	case 0:
		return "", fmt.Errorf("%s: %w", path.Join(dir, name), syscall.ENOENT)
	default:
		return "", fmt.Errorf("%s: %d names differ from it only in case: %w", path.Join(dir, name), n, syscall.ENOENT)
	}
}
