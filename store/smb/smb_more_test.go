//go:build linux

package smb

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roamfs/internal/smbdtest"
	"roamfs/store"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Target
		bad  string
	}{
		{in: "smb://alice@fs1/profiles/alice", want: Target{User: "alice", Host: "fs1:445", Share: "profiles", Path: "alice"}},
		{in: "SMB://CORP;alice@fs1:1445/profiles/a/b/", want: Target{Domain: "CORP", User: "alice", Host: "fs1:1445", Share: "profiles", Path: "a/b"}},
		{in: "smb://[::1]:1445/p", want: Target{Host: "[::1]:1445", Share: "p"}},
		{in: "smb://alice:secret@fs1/p", bad: "password does not belong"},
		{in: "smb://fs1/", bad: "no share"},
		{in: "smb://fs1/p/../q", bad: "path component"},
		{in: "smb://fs1/p/a:b", bad: "path component"},
		{in: "/srv/profiles", bad: "not an smb://"},
	} {
		got, err := ParseURL(c.in)
		if c.bad != "" {
			if err == nil || !strings.Contains(err.Error(), c.bad) || strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) = %v, want an error saying %q without the password", c.in, err, c.bad)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestLoadCredentials(t *testing.T) {
	p := filepath.Join(t.TempDir(), "creds")
	os.WriteFile(p, []byte("# roamfs\nusername = CORP\\alice\npassword = p a=ss\n"), 0o644)
	if _, err := LoadCredentials(p); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Errorf("a world-readable credentials file: %v, want refused", err)
	}
	os.Chmod(p, 0o600)
	c, err := LoadCredentials(p)
	if err != nil || c != (Credentials{Domain: "CORP", User: "alice", Password: "p a=ss"}) {
		t.Errorf("LoadCredentials = %+v, %v", c, err)
	}
	if strings.Contains(c.String(), "p a=ss") {
		t.Error("Credentials.String shows the password")
	}
	os.WriteFile(p, []byte("user name = x\n"), 0o600)
	if _, err := LoadCredentials(p); err == nil {
		t.Error("an unknown key was accepted")
	}
}

func TestMFSymlink(t *testing.T) {
	b, err := mfSymlink("../Documents/x")
	if err != nil || len(b) != mfSize || !strings.HasPrefix(string(b), "XSym\n0014\n") {
		t.Fatalf("mfSymlink = %q..., %v", b[:20], err)
	}
	if target, ok := parseMFSymlink(b); !ok || target != "../Documents/x" {
		t.Errorf("parse = %q, %v", target, ok)
	}
	b[50] ^= 1 // the target no longer matches its MD5
	if _, ok := parseMFSymlink(b); ok {
		t.Error("a damaged symlink file was taken for a symlink")
	}
	if _, err := mfSymlink(strings.Repeat("x", mfMaxTarget+1)); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("too long a target: %v", err)
	}
}

func TestGranularity(t *testing.T) {
	for _, c := range []struct {
		got     time.Time
		g       time.Duration
		roundUp bool
	}{
		{probeTime.Truncate(100), 100, false},
		{probeTime.Truncate(time.Second), time.Second, false},
		{probeTime.Truncate(2 * time.Second).Add(2 * time.Second), 2 * time.Second, true},
		{probeTime, time.Nanosecond, false},
	} {
		if g, up := granularityOf(c.got); g != c.g || up != c.roundUp {
			t.Errorf("granularityOf(%v) = %v, %v; want %v, %v", c.got, g, up, c.g, c.roundUp)
		}
	}
	l := limits{granularity: 2 * time.Second, roundUp: true}
	if got := l.time(probeTime); !got.Equal(time.Date(2001, 2, 3, 4, 5, 8, 0, time.UTC)) {
		t.Errorf("FAT time = %v", got)
	}
}

func TestSambaLimits(t *testing.T) {
	s := newStore(t, smbdtest.Start(t))
	if s.limits.granularity != 100*time.Nanosecond || !s.FoldsCase() {
		t.Errorf("limits probed on Samba = %+v; want 100ns, folding case", s.limits)
	}
	if n, _ := s.CleanTemp(ctx); n != 0 {
		t.Errorf("the probe left %d temporary files", n)
	}
}

func TestWrongPassword(t *testing.T) {
	srv := smbdtest.Start(t)
	t.Setenv(PasswordEnv, "not-the-password")
	_, err := Open(ctx, srv.URL("profiles", "alice"), Options{Create: true})
	if !errors.Is(err, store.ErrCredentials) || !store.IsPermanent(err) {
		t.Fatalf("Open with a wrong password = %v, want ErrCredentials", err)
	}
	for _, want := range []string{`\\127.0.0.1\profiles\alice`, smbdtest.User} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Error("the error shows the password")
	}
	t.Setenv(PasswordEnv, smbdtest.Password)
	_, err = Open(ctx, srv.URL("nosuchshare", ""), Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing share = %v", err)
	}
}

// TestReconnect: a server that restarts under an open store costs one
// transparent reconnect, not a failed call.
func TestReconnect(t *testing.T) {
	srv := smbdtest.Start(t)
	s := newStore(t, srv)
	if err := s.Put(ctx, "f", strings.NewReader("x"), 0o644, time.Time{}); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	if _, err := s.Stat(ctx, "f"); err == nil || store.IsPermanent(err) {
		t.Errorf("Stat with smbd down = %v, want a transient error", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "f", strings.NewReader("yy"), 0o644, time.Time{}); err != nil {
		t.Fatalf("Put after smbd restarted: %v", err)
	}
	if info, err := s.Stat(ctx, "f"); err != nil || info.Size != 2 {
		t.Errorf("Stat after restart = %+v, %v", info, err)
	}
}

// TestSharingViolation: a file held open on another client, without
// FILE_SHARE_DELETE, cannot be deleted (nor, on Windows, replaced; Samba
// lets a rename replace it): the call fails with a transient
// ErrSharingViolation, so the logoff keeps it pending, and the file is intact.
func TestSharingViolation(t *testing.T) {
	srv := smbdtest.Start(t)
	s := newStore(t, srv)
	if err := s.Put(ctx, "NTUSER.DAT", strings.NewReader("old"), 0o644, time.Time{}); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, srv.URL("profiles", s.target.Path), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rc, _, err := other.Open(ctx, "NTUSER.DAT")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Remove(ctx, "NTUSER.DAT")
	if !errors.Is(err, ErrSharingViolation) || store.IsPermanent(err) {
		t.Errorf("Remove of a file held open elsewhere = %v, want a transient ErrSharingViolation", err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "old" {
		t.Errorf("held file = %q", b)
	}
	if err := s.Put(ctx, "NTUSER.DAT", strings.NewReader("new"), 0o644, time.Time{}); err != nil {
		t.Errorf("Put once released: %v", err)
	}
	if n, _ := s.CleanTemp(ctx); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
}

// TestHostileShare: unix symlinks planted in the share's directory are
// resolved by smbd itself, invisibly to any client. Samba's default `wide
// links = no` keeps them from leaving the share; a link to a file outside
// is refused, never read.
func TestHostileShare(t *testing.T) {
	srv := smbdtest.Start(t)
	s := newStore(t, srv)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("root's secret"), 0o644)
	dir := filepath.Join(srv.Shares["profiles"], filepath.FromSlash(s.target.Path))
	os.Symlink(secret, filepath.Join(dir, "out"))
	os.Symlink("/etc", filepath.Join(dir, "etc"))
	if rc, _, err := s.Open(ctx, "out"); err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("read %q through a link out of the share", b)
	}
	if _, err := s.Stat(ctx, "etc/passwd"); err == nil {
		t.Error("reached /etc/passwd through a link out of the share")
	}
	if err := s.Put(ctx, "etc/x", strings.NewReader("x"), 0o644, time.Time{}); err == nil {
		t.Error("wrote through a link out of the share")
	}
	err := s.Walk(ctx, "", func(i store.Info) error {
		if i.Path != "out" && i.Path != "etc" {
			t.Errorf("walk reached %q", i.Path)
		}
		return nil
	})
	if err != nil {
		t.Errorf("Walk over the links: %v", err)
	}
}

// TestReplaceRefused: a file the server's permissions forbid replacing (here
// root's file in a sticky folder the user may create files in, which smbd
// refuses with STATUS_ACCESS_DENIED) is reported as a permission refusal at
// once, permanent, not retried and reported as a file open elsewhere.
func TestReplaceRefused(t *testing.T) {
	srv := smbdtest.Start(t)
	s := newStore(t, srv)
	if err := s.Mkdir(ctx, "locked", 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(srv.Shares["profiles"], filepath.FromSlash(s.target.Path), "locked")
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "doc.txt"), []byte("old"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "doc.txt"), 0o666)
	err := s.Put(ctx, "locked/doc.txt", strings.NewReader("new"), 0o644, time.Time{})
	t.Logf("Put over a file the server refuses to replace: %v", err)
	if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrSharingViolation) || !store.IsPermanent(err) {
		t.Errorf("Put = %v; want a permanent permission refusal, not a sharing violation", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "doc.txt")); string(b) != "old" {
		t.Errorf("the refused file holds %q", b)
	}
	if n, _ := s.CleanTemp(ctx); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
}
