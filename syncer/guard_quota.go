package syncer

import (
	"fmt"
	"io/fs"
	"sort"
)

// FileSize is one file of the profile, for the list a refused logoff shows.
type FileSize struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// QuotaReport is the roaming part of the profile against the size limit
// (Windows' "Limit profile size": proquota.exe).
type QuotaReport struct {
	Enabled bool       `json:"enabled"`
	Size    int64      `json:"size"`  // bytes
	Limit   int64      `json:"limit"` // bytes, MaxProfileSize KB × 1024
	Over    bool       `json:"over"`
	Largest []FileSize `json:"largest,omitempty"` // files of 2 KB and more, largest first
	Message string     `json:"message,omitempty"` // ProfileQuotaMessage when over
}

// minListed leaves small files out of the list, as proquota does.
const minListed = 2048

// CheckQuota measures the roaming part of the cache: nonroaming folders never
// count, the hive only with IncludeRegInProQuota.
func (s *Syncer) CheckQuota() (QuotaReport, error) {
	pol := s.cfg.Policy
	r := QuotaReport{Enabled: pol.EnableProfileQuota, Limit: pol.MaxProfileSize * 1024}
	var files []FileSize
	err := s.local.walk("", func(p string, v Version) error {
		if !s.roams(p) {
			if v.Kind == KindDir {
				return fs.SkipDir
			}
			return nil
		}
		if v.Kind != KindFile || (pol.IsHive(p) && !pol.IncludeRegInProQuota) {
			return nil
		}
		r.Size += v.Size
		if v.Size >= minListed {
			files = append(files, FileSize{Path: p, Size: v.Size})
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("measure profile: %w", err)
	}
	r.Over = r.Enabled && r.Size > r.Limit
	if r.Over {
		sort.Slice(files, func(i, j int) bool { return files[i].Size > files[j].Size })
		r.Largest, r.Message = files, pol.ProfileQuotaMessage
	}
	return r, nil
}
