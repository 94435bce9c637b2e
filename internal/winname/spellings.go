package winname

import (
	"path"
	"strings"
	"sync"
)

// Spellings finds how a tree spells a path, one directory listing at a time,
// each listing read once until Reset. The syncer keeps one for the server
// copy and one for the cache: either may live on a case-sensitive filesystem,
// where "AppData" and "appdata" can both exist.
//
// A Spellings is safe for concurrent use; listings are read one at a time.
type Spellings struct {
	mu   sync.Mutex
	dirs map[string]map[string][]string // dir → Key of name → spellings
}

// Reset forgets every listing, for a sync that must see the tree as it is now.
func (c *Spellings) Reset() {
	c.mu.Lock()
	c.dirs = nil
	c.mu.Unlock()
}

// Resolve returns the tree's spelling of the '/'-separated path p, matching
// each component by Key against list(dir), the names of directory dir ("" =
// the root). From the first component the tree does not hold, p's own
// spelling is kept. ambiguous is true when the tree spells a component twice:
// such a path is no one file, and the caller leaves it alone.
func (c *Spellings) Resolve(p string, list func(dir string) ([]string, error)) (spelled string, ambiguous bool, err error) {
	parts := strings.Split(p, "/")
	cur := ""
	for i, name := range parts {
		names, err := c.listing(cur, list)
		if err != nil {
			return "", false, err
		}
		switch m := names[Key(name)]; len(m) {
		case 0:
			return path.Join(append([]string{cur}, parts[i:]...)...), false, nil
		case 1:
			cur = path.Join(cur, m[0])
		default:
			return "", true, nil
		}
	}
	return cur, false, nil
}

// listing is dir's names by key, read through list on first use. A failed
// listing is not remembered: the next Resolve asks again.
func (c *Spellings) listing(dir string, list func(string) ([]string, error)) (map[string][]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.dirs[dir]; ok {
		return m, nil
	}
	names, err := list(dir)
	if err != nil {
		return nil, err
	}
	m := make(map[string][]string, len(names))
	for _, n := range names {
		k := Key(n)
		m[k] = append(m[k], n)
	}
	if c.dirs == nil {
		c.dirs = map[string]map[string][]string{}
	}
	c.dirs[dir] = m
	return m, nil
}
