package syncer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ServerMetaName is roamfs' own file in the server copy, never profile data.
const ServerMetaName = ".roamfs-profile.json"

// ServerMeta is roamfs' record in the server copy of the last full sync: phase 2
// of a logoff writes it before the journal is marked synced.
type ServerMeta struct {
	Version        uint64    `json:"version"`
	Host           string    `json:"host"`
	Session        string    `json:"session"`
	LastUploadTime time.Time `json:"last_upload_time"`
	// Index names the profile index written just before this record (see
	// index.go) when it is a full listing alone; absent when none was (an
	// older roamfs drops it) and when IndexChain names it.
	Index *IndexRef `json:"index,omitempty"`
	// IndexChain names the index when deltas were written on its base
	// (index_chain.go): under a key an older roamfs does not know, so that it
	// walks instead of trusting the base alone.
	IndexChain *IndexChain `json:"index_chain,omitempty"`
}

// ReadServerMeta reads the server's metadata; a profile without one yields the
// zero value and an error wrapping fs.ErrNotExist.
func (s *Syncer) ReadServerMeta(ctx context.Context) (ServerMeta, error) {
	var m ServerMeta
	r, _, err := s.cfg.Store.Open(ctx, ServerMetaName)
	if err != nil {
		return m, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return m, fmt.Errorf("read server metadata: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("server metadata %s is damaged (%v); it is rewritten at the next logoff", ServerMetaName, err)
	}
	return m, nil
}

func (s *Syncer) writeServerMeta(ctx context.Context, at time.Time, index *IndexChain) error {
	m, _ := s.ReadServerMeta(ctx)
	m.Version++
	m.Host, m.Session, m.LastUploadTime = s.cfg.Host, s.cfg.Session, at
	m.setIndexChain(index)
	return s.putServerMeta(ctx, m, at)
}

func (s *Syncer) putServerMeta(ctx context.Context, m ServerMeta, at time.Time) error {
	data, _ := json.MarshalIndent(m, "", "  ")
	if err := s.putUnchanged(ctx, ServerMetaName, bytes.NewReader(data), int64(len(data)), 0o600, at); err != nil {
		return fmt.Errorf("record profile state on server: %w", err)
	}
	return nil
}
