// Package smb is the server copy of a roaming profile spoken to directly over
// SMB2/3 (github.com/cloudsoda/go-smb2): a Windows file server, Samba, or any
// share a Windows client could hold a roaming profile on, without mounting it.
//
// It implements store.Store with the directory store's contract, and says in
// store.Limits what an SMB share cannot keep: permission bits (a file reports
// 0600, or 0400 with the read-only attribute; a folder 0700), time below the
// share's granularity (probed when the store opens), and the case of names
// (the server compares them case-insensitively).
//
// Symlinks. SMB has no symlink a profile could roam through Samba, so a
// profile's symlinks are stored as Minshall+French symlinks: a 1067-byte file
// starting "XSym\n", the format Linux's cifs client writes with
// `mount -o mfsymlinks` and macOS reads, so a machine that mounts the share
// sees the same links. Reparse points (Windows symlinks and junctions) are
// reported as symlinks or other entries and never followed.
//
// Connections. One SMB session per store, dialled on first use; a call that
// fails because the connection dropped is run once more on a new one (every
// Store call is idempotent). A wrong or expired password wraps
// store.ErrCredentials.
package smb

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Target is a parsed smb://[DOMAIN;]USER@HOST[:PORT]/SHARE/PATH.
type Target struct {
	Domain, User string
	Host         string // host or host:port
	Share        string
	Path         string // '/'-separated inside the share, no leading '/' ("" = the share's root)
}

// IsURL reports whether spec names an SMB share rather than a directory.
func IsURL(spec string) bool {
	return len(spec) > 6 && strings.EqualFold(spec[:6], "smb://")
}

// ParseURL parses spec. A password in the URL is refused: it would show in
// `ps` and in logs; use a credentials file or ROAMFS_SMB_PASSWORD.
func ParseURL(spec string) (Target, error) {
	var t Target
	bad := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("server %q: %s (want smb://[DOMAIN;]USER@HOST[:PORT]/SHARE/PATH)", redact(spec), why)
	}
	if !IsURL(spec) {
		return bad("not an smb:// address")
	}
	u, err := url.Parse("smb://" + spec[6:])
	if err != nil {
		return bad(err.Error())
	}
	if u.User != nil {
		if _, set := u.User.Password(); set {
			return bad("a password does not belong in the address: use --credentials FILE or ROAMFS_SMB_PASSWORD")
		}
		t.User = u.User.Username()
	}
	if d, name, ok := strings.Cut(t.User, ";"); ok {
		t.Domain, t.User = d, name
	}
	if u.Host == "" {
		return bad("no host")
	}
	t.Host = u.Host
	if _, _, err := net.SplitHostPort(t.Host); err != nil {
		t.Host = net.JoinHostPort(strings.Trim(u.Hostname(), "[]"), "445")
	}
	p := strings.Trim(u.Path, "/")
	t.Share, t.Path, _ = strings.Cut(p, "/")
	if t.Share == "" {
		return bad("no share")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return bad("no query or fragment allowed")
	}
	for name := range strings.SplitSeq(t.Path, "/") {
		if t.Path != "" && (name == "" || name == "." || name == ".." || checkName(name) != nil) {
			return bad(fmt.Sprintf("path component %q", name))
		}
	}
	return t, nil
}

// String is the address without credentials, for messages.
func (t Target) String() string {
	who := t.User
	if t.Domain != "" {
		who = t.Domain + ";" + who
	}
	if who != "" {
		who += "@"
	}
	s := "smb://" + who + t.Host + "/" + t.Share
	if t.Path != "" {
		s += "/" + t.Path
	}
	return s
}

// UNC is the share as Windows writes it, for messages: \\host\share\path.
func (t Target) UNC() string {
	h, _, _ := net.SplitHostPort(t.Host)
	s := `\\` + h + `\` + t.Share
	if t.Path != "" {
		s += `\` + strings.ReplaceAll(t.Path, "/", `\`)
	}
	return s
}

// redact drops anything between "//" and "@" after a ':' (a password someone
// put in the address), so that the message quoting it does not leak it.
func redact(spec string) string {
	at := strings.LastIndexByte(spec, '@')
	if at < 0 {
		return spec
	}
	start := strings.Index(spec, "//") + 2
	if c := strings.IndexByte(spec[start:at], ':'); c >= 0 {
		return spec[:start+c] + ":***" + spec[at:]
	}
	return spec
}
