package syncer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"roamfs/internal/winname"
	"roamfs/journal"
	"roamfs/store"
)

// Windows profiles are case-insensitive: with CaseInsensitive (the default)
// "Desktop/a.txt" and "desktop/A.TXT" are one path in every comparison with the
// server, by Windows' own rule (package winname). Paths are compared by key;
// each side keeps its own spelling; bases are stored under the key.

// key is the identity of a path for comparisons.
func (s *Syncer) key(p string) string {
	if s.cfg.Policy.CaseInsensitive {
		return winname.Key(p)
	}
	return p
}

// isKey reports whether k is s.key(p), without building the key: a logon
// compares every path of the profile with its key.
func (s *Syncer) isKey(k, p string) bool {
	if !s.cfg.Policy.CaseInsensitive {
		return k == p
	}
	return winname.IsKey(k, p)
}

// serverPath returns the server's spelling of the local path p, and whether the
// server spells some component of it twice. A logoff does not walk the whole
// server copy: it lists the folders on the way to each path it syncs.
func (s *Syncer) serverPath(ctx context.Context, p string) (string, bool, error) {
	if !s.cfg.Policy.CaseInsensitive {
		return p, false, nil
	}
	return s.names.Resolve(p, func(dir string) ([]string, error) {
		names, err := store.ListNames(ctx, s.cfg.Store, dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list %s on server: %w", dir, err)
		}
		return names, nil
	})
}

// localPath returns the cache's spelling of key k (k itself for the parts the
// cache does not have), and whether the cache spells a component twice.
func (s *Syncer) localPath(k string) (string, bool) {
	if !s.cfg.Policy.CaseInsensitive {
		return k, false
	}
	p, clash, _ := s.lnames.Resolve(k, func(dir string) ([]string, error) {
		// An unreadable folder reads as empty, as a missing one does.
		entries, err := os.ReadDir(filepath.Join(s.cfg.ProfileDir, filepath.FromSlash(dir)))
		if err != nil {
			return nil, nil
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		return names, nil
	})
	return p, clash
}

// keyMeta records, in the journal, the name identity the bases are stored
// under. Versions before package winname keyed them by strings.ToLower. Of
// the letters where that differs from winname.Key, only the final sigma can
// be mended in place ("φάκελος" is now keyed "φάκελοσ"): New re-keys such
// bases once, so a pending change to "Φάκελος" still finds the base it was
// made against. The others ("İ", "ẞ", the Kelvin sign...) were folded onto
// another letter, so their old key no longer says which name it was; the
// next logon records their bases anew, and a change pending on one of them
// at the upgrade is merged as having no base (a conflict copy at worst).
const (
	keyMeta    = "name-key"
	keyVersion = "winname-1"
)

// rekeyBases moves every base stored under a key that is not winname.Key of
// itself to its key; a base already stored under that key wins.
func (s *Syncer) rekeyBases() error {
	j := s.cfg.Journal
	if j == nil || !s.cfg.Policy.CaseInsensitive {
		return nil
	}
	if v, ok, err := j.Meta(keyMeta); err != nil {
		return err
	} else if ok && string(v) == keyVersion {
		return nil
	}
	moved := map[string]journal.Base{}
	var old []string
	err := j.Bases("", func(p string, b journal.Base) error {
		if k := s.key(p); k != p {
			old = append(old, p)
			if _, dup := moved[k]; !dup {
				moved[k] = b
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read bases: %w", err)
	}
	for k := range moved {
		if _, ok, err := j.Base(k); err != nil {
			return err
		} else if ok {
			delete(moved, k)
		}
	}
	if len(old) > 0 {
		if err := j.SetBases(moved, old); err != nil {
			return fmt.Errorf("re-key bases: %w", err)
		}
		s.log.Info("bases re-keyed to Windows' name identity", zap.Int("count", len(old)))
	}
	return j.SetMeta(keyMeta, []byte(keyVersion))
}
