// Package cachedir is the layout of a roamfs cache directory and the session
// status file kept in it. The profile files live in profile/ (what is mounted);
// everything roamfs keeps for itself lives in state/, which the mount never shows.
package cachedir

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Layout names the parts of one cache directory.
type Layout struct {
	Dir string // absolute
}

// New resolves dir to an absolute path.
func New(dir string) (Layout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Layout{}, fmt.Errorf("cache directory %s: %w", dir, err)
	}
	return Layout{Dir: abs}, nil
}

// Create makes the cache directory and its parts, private to the owner.
func (l Layout) Create() error {
	for _, d := range []string{l.Dir, l.Profile(), l.State()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create cache directory %s: %w", d, err)
		}
	}
	return nil
}

// Exists reports whether dir looks like a roamfs cache.
func (l Layout) Exists() bool {
	_, err := os.Stat(l.State())
	return err == nil
}

func (l Layout) Profile() string { return filepath.Join(l.Dir, "profile") }
func (l Layout) State() string   { return filepath.Join(l.Dir, "state") }
func (l Layout) Journal() string { return filepath.Join(l.State(), "journal") }

// Fetching is where a streamed logon's fetches write a file before it is
// renamed into the profile: beside it on the same file system, outside what
// is mounted.
func (l Layout) Fetching() string { return filepath.Join(l.State(), "fetch") }

// Namespace is where a streamed logon keeps what lies below the folders it
// left unmaterialized (syncer, lazy folders).
func (l Layout) Namespace() string  { return filepath.Join(l.State(), "namespace") }
func (l Layout) StatusFile() string { return filepath.Join(l.State(), "status.json") }
func (l Layout) LogFile() string    { return filepath.Join(l.State(), "roamfs.log") }

// Socket is the daemon's control socket. A path that does not fit a unix
// socket address (108 bytes) falls back to the abstract namespace, named by a
// hash of the cache path.
func (l Layout) Socket() string {
	p := filepath.Join(l.State(), "control.sock")
	if len(p) < 100 {
		return p
	}
	h := sha256.Sum256([]byte(l.Dir))
	return "@roamfs-" + hex.EncodeToString(h[:12])
}
