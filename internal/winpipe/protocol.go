// Package winpipe is the protocol between roamfs' network provider DLL
// (roamfsnp.dll, which Winlogon calls at NPLogonNotify, before the user's
// profile loads) and the roamfs service: the DLL asks the service to prepare
// the user's profile and waits for the answer, bounded, over a named pipe
// only SYSTEM may open.
//
// One request and one answer per connection, each a single line of UTF-8
// text with tab-separated fields, so that the C side stays a few lines:
//
//	request:  v1 TAB prepare TAB DOMAIN TAB USER TAB SID LF   (SID may be empty)
//	answer:   ready LF | later TAB TEXT LF | skip TAB TEXT LF | error TAB TEXT LF
//
// "later" means the service's wait (the NPLogonTimeout policy) ran out: the
// logon goes on and the service finishes in the background. Account names
// cannot hold tabs or line ends (Windows refuses control characters in them),
// so no quoting is needed; the encoder refuses them all the same.
//
// The encoding is portable and tested on Linux; the pipe server and client
// (server_windows.go, client_windows.go) run under Wine in `make wine`.
package winpipe

import (
	"errors"
	"fmt"
	"strings"
)

// PipeName is the service's pipe. roamfsnp.dll has the same name built in.
const PipeName = `\\.\pipe\roamfs-logon`

// ServerSDDL is the pipe's access list: SYSTEM alone (the service, and
// Winlogon's mpnotify, which loads the DLL), protected from inheritance. A
// user cannot ask for another user's profile to be prepared.
const ServerSDDL = "D:P(A;;GA;;;SY)"

// MaxLine bounds a request or an answer; longer is a protocol error.
const MaxLine = 4096

const version = "v1"

// Request asks the service to prepare one user's profile.
type Request struct {
	Domain string // NetBIOS domain or machine name, as the logon gave it
	User   string // account name
	SID    string // the user's security id; empty when the caller did not resolve it
}

// Account is DOMAIN\user, or user alone without a domain.
func (r Request) Account() string {
	if r.Domain == "" {
		return r.User
	}
	return r.Domain + `\` + r.User
}

// Status is the service's answer.
type Status string

const (
	Ready  Status = "ready" // the profile is in place: the logon may load it
	Later  Status = "later" // not yet within the wait; the service goes on in the background
	Skip   Status = "skip"  // nothing to do: the user does not roam, or the provider is disabled
	Failed Status = "error" // preparing failed; Windows goes on with what is there
)

// Answer is the service's reply to a Request.
type Answer struct {
	Status Status
	Text   string // why, for Later, Skip and Failed; one line
}

// ErrProtocol is a line that is not a request or an answer of this version.
var ErrProtocol = errors.New("roamfs logon pipe: protocol error")

// EncodeRequest is the request's line, LF included.
func EncodeRequest(r Request) ([]byte, error) {
	if r.User == "" {
		return nil, fmt.Errorf("%w: a request without a user name", ErrProtocol)
	}
	for _, f := range []string{r.Domain, r.User, r.SID} {
		if strings.ContainsAny(f, "\t\r\n\x00") {
			return nil, fmt.Errorf("%w: %q holds a control character", ErrProtocol, f)
		}
	}
	line := strings.Join([]string{version, "prepare", r.Domain, r.User, r.SID}, "\t") + "\n"
	if len(line) > MaxLine {
		return nil, fmt.Errorf("%w: request longer than %d bytes", ErrProtocol, MaxLine)
	}
	return []byte(line), nil
}

// DecodeRequest parses one request line (the LF may be missing: a message
// mode pipe delivers the line whole).
func DecodeRequest(b []byte) (Request, error) {
	line, err := oneLine(b)
	if err != nil {
		return Request{}, err
	}
	f := strings.Split(line, "\t")
	if len(f) != 5 || f[0] != version || f[1] != "prepare" {
		return Request{}, fmt.Errorf("%w: %q is not a %s prepare request", ErrProtocol, clip(line), version)
	}
	if f[3] == "" {
		return Request{}, fmt.Errorf("%w: a request without a user name", ErrProtocol)
	}
	return Request{Domain: f[2], User: f[3], SID: f[4]}, nil
}

// EncodeAnswer is the answer's line, LF included. Text is cut to fit and its
// control characters replaced: it often carries an error's text.
func EncodeAnswer(a Answer) ([]byte, error) {
	switch a.Status {
	case Ready:
		return []byte(string(Ready) + "\n"), nil
	case Later, Skip, Failed:
	default:
		return nil, fmt.Errorf("%w: unknown status %q", ErrProtocol, a.Status)
	}
	text := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, a.Text)
	line := string(a.Status) + "\t" + text
	if len(line) > MaxLine-1 {
		line = strings.ToValidUTF8(line[:MaxLine-1], "")
	}
	return []byte(line + "\n"), nil
}

// DecodeAnswer parses one answer line.
func DecodeAnswer(b []byte) (Answer, error) {
	line, err := oneLine(b)
	if err != nil {
		return Answer{}, err
	}
	st, text, _ := strings.Cut(line, "\t")
	switch s := Status(st); s {
	case Ready, Later, Skip, Failed:
		return Answer{Status: s, Text: text}, nil
	}
	return Answer{}, fmt.Errorf("%w: %q is not an answer", ErrProtocol, clip(line))
}

func oneLine(b []byte) (string, error) {
	if len(b) > MaxLine {
		return "", fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, MaxLine)
	}
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if strings.ContainsAny(s, "\n\x00") {
		return "", fmt.Errorf("%w: more than one line", ErrProtocol)
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
