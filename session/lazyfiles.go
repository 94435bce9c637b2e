package session

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"time"

	"roamfs/cachedir"
	"roamfs/journal"
	"roamfs/syncer"
)

// LazyFile is a file below a folder a streamed logon has not materialized
// yet: it is in the profile, but not in the cache's folder (syncer/lazy.go).
type LazyFile struct {
	Path  string    `json:"path"`
	Size  int64     `json:"size"`
	MTime time.Time `json:"mtime"`
}

// LazyConflictCopies lists the conflict copies (syncer.ParseConflictName)
// below the folders of the cache l that are not materialized yet: from the
// running session, or, without one, from the cache's journal and namespace
// file. It materializes nothing.
func LazyConflictCopies(l cachedir.Layout) ([]LazyFile, error) {
	out, err := Ask(l, func(c *Client) ([]LazyFile, error) { return call[[]LazyFile](c, "GET", pathLazyCopies) })
	if !errors.Is(err, ErrNoSession) {
		return out, err
	}
	j, err := journal.Open(l.Journal(), journal.Options{ReadOnly: true})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no journal, no folder marks
	}
	if err != nil {
		return nil, ExplainLocked(l, err)
	}
	defer j.Close()
	err = syncer.LazyFiles(j, l.Namespace(), collectConflictCopies(&out))
	return out, err
}

func collectConflictCopies(out *[]LazyFile) func(string, syncer.Version) {
	return func(p string, v syncer.Version) {
		if _, _, _, ok := syncer.ParseConflictName(p); ok {
			*out = append(*out, LazyFile{Path: p, Size: v.Size, MTime: v.MTime})
		}
	}
}

func (s *Session) serveLazyCopies(w http.ResponseWriter, r *http.Request) {
	out := []LazyFile{}
	if err := s.sy.LazyFiles(collectConflictCopies(&out)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	json.NewEncoder(w).Encode(out)
}
