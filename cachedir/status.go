package cachedir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Win32_UserProfile Status bits.
const (
	StatusTemporary = 1
	StatusRoaming   = 2
	StatusMandatory = 4
	StatusCorrupted = 8
)

// Status is the profile as Windows' Win32_UserProfile shows it, plus the
// session that has it loaded. Field names are the Windows ones: scripts read
// them from `roamfs status --json`.
type Status struct {
	LocalPath                        string     `json:"LocalPath"`
	RoamingPath                      string     `json:"RoamingPath"`
	Loaded                           bool       `json:"Loaded"`
	LastUseTime                      *time.Time `json:"LastUseTime"`
	LastDownloadTime                 *time.Time `json:"LastDownloadTime"`
	LastUploadTime                   *time.Time `json:"LastUploadTime"`
	LastBackgroundRegistryUploadTime *time.Time `json:"LastBackgroundRegistryUploadTime"`
	// The live profile's last write-back round (LastUploadTime stays the
	// logoff's, as Windows defines it) and how it ended.
	LastWriteBackTime   *time.Time      `json:"LastWriteBackTime,omitempty"`
	LastWriteBackResult json.RawMessage `json:"LastWriteBackResult,omitempty"`
	Status              int             `json:"Status"`
	PendingChanges      int             `json:"PendingChanges"`
	LastSyncResult      json.RawMessage `json:"LastSyncResult"`

	// roamfs' own.
	NotRoamingReason string `json:"NotRoamingReason,omitempty"` // why this session uses the cache only
	ProfileSizeKB    *int64 `json:"ProfileSizeKB,omitempty"`    // the roaming part, as the size limit counts it
	MaxProfileSizeKB *int64 `json:"MaxProfileSizeKB,omitempty"` // only with EnableProfileQuota
	// A streamed logon's files not local yet (fetched when opened or by the
	// background fill) and the bytes they hold on the server.
	FilesPending *int   `json:"FilesPending,omitempty"`
	BytesPending *int64 `json:"BytesPending,omitempty"`
	// Fill is the background fill's progress while it runs: only a running
	// session's answer has it, never the file.
	Fill       *FillProgress `json:"Fill,omitempty"`
	Session    string        `json:"Session,omitempty"`
	Host       string        `json:"Host,omitempty"`
	PID        int           `json:"PID,omitempty"`
	PolicyFile string        `json:"PolicyFile,omitempty"`
	// CredentialsFile is the SMB credentials file the session used (never
	// the password), for `roamfs sync`.
	CredentialsFile string `json:"CredentialsFile,omitempty"`
	// S3Endpoint and S3PathStyle are the session's --s3-endpoint and
	// --s3-path-style for an s3:// server (never a key), for `roamfs sync`.
	S3Endpoint  string `json:"S3Endpoint,omitempty"`
	S3PathStyle bool   `json:"S3PathStyle,omitempty"`
	CacheDir    string `json:"CacheDir,omitempty"`
}

// ReadStatus reads the status file; a cache without one gives a zero Status.
func (l Layout) ReadStatus() (Status, error) {
	var s Status
	data, err := os.ReadFile(l.StatusFile())
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read status: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("status file %s is damaged (%v); delete it and run `roamfs sync --full`", l.StatusFile(), err)
	}
	return s, nil
}

// WriteStatus replaces the status file atomically.
func (l Layout) WriteStatus(s Status) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(l.State(), ".status-*")
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), l.StatusFile())
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write status: %w", err)
	}
	return nil
}

// UpdateStatus reads, changes and writes the status file. Only the session's
// daemon (or a command that holds the journal) calls it, so no lock is needed.
func (l Layout) UpdateStatus(fn func(*Status)) error {
	s, err := l.ReadStatus()
	if err != nil {
		return err
	}
	fn(&s)
	return l.WriteStatus(s)
}

// Alive reports whether pid is a running roamfs process.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	self, _ := os.Executable()
	exe = strings.TrimSuffix(exe, " (deleted)")
	return filepath.Base(exe) == filepath.Base(self) || filepath.Base(exe) == "roamfs"
}

// TimePtr is a helper for the optional times above.
func TimePtr(t time.Time) *time.Time { return &t }

// FillProgress is how far the background fill has come: the files (and
// their bytes) brought into the cache since it started, of how many.
type FillProgress struct {
	FilesDone  int64 `json:"FilesDone"`
	FilesTotal int64 `json:"FilesTotal"`
	BytesDone  int64 `json:"BytesDone"`
	BytesTotal int64 `json:"BytesTotal"`
}
