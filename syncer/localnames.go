package syncer

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// localNames resolves a key (a case-folded path from the base) to the cache's
// spelling, one directory listing at a time: the cache lives on a
// case-sensitive Linux filesystem, where "AppData" and "appdata" can both exist.
type localNames struct {
	mu   sync.Mutex
	dirs map[string]map[string][]string // cache dir → key of name → spellings
}

func (n *localNames) reset() {
	n.mu.Lock()
	n.dirs = nil
	n.mu.Unlock()
}

// localPath returns the cache's spelling of key k (k itself for the parts the
// cache does not have), and whether the cache spells a component twice.
func (s *Syncer) localPath(k string) (string, bool) {
	if !s.cfg.Policy.CaseInsensitive {
		return k, false
	}
	parts := strings.Split(k, "/")
	cur := ""
	for i, name := range parts {
		switch m := s.listLocalDir(cur)[strings.ToLower(name)]; len(m) {
		case 0:
			return path.Join(append([]string{cur}, parts[i:]...)...), false
		case 1:
			cur = path.Join(cur, m[0])
		default:
			return "", true
		}
	}
	return cur, false
}

func (s *Syncer) listLocalDir(dir string) map[string][]string {
	s.lnames.mu.Lock()
	defer s.lnames.mu.Unlock()
	if m, ok := s.lnames.dirs[dir]; ok {
		return m
	}
	m := map[string][]string{}
	if entries, err := os.ReadDir(filepath.Join(s.cfg.ProfileDir, filepath.FromSlash(dir))); err == nil {
		for _, e := range entries {
			k := strings.ToLower(e.Name())
			m[k] = append(m[k], e.Name())
		}
	}
	if s.lnames.dirs == nil {
		s.lnames.dirs = map[string]map[string][]string{}
	}
	s.lnames.dirs[dir] = m
	return m
}
