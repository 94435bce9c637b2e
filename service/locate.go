package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// User is the account a session belongs to.
type User struct {
	Name   string // sAMAccountName, e.g. "alice"
	Domain string // NetBIOS domain or machine name
	SID    string
}

// Account is the name `roamfs logon --user` takes: DOMAIN\name when known.
func (u User) Account() string {
	if u.Domain == "" {
		return u.Name
	}
	return u.Domain + `\` + u.Name
}

// Profile is where one user's profile lives on this machine and the server.
type Profile struct {
	User       User
	Server     string // the roaming copy (a share path)
	Cache      string // this machine's cache of it
	MountPoint string // where the user's programs expect the profile
	// Home is the NTFS profile folder (C:\Users\NAME) in the Windows layout,
	// where the volume is mounted elsewhere (MountPoint) and Home holds the
	// hive and junctions into it; "" mounts over the profile folder itself.
	Home       string
	PolicyFile string // "" = the Group Policy registry values
}

// Locator finds a user's profile. It returns an error wrapping ErrNotRoaming
// for a user who has no roaming profile: the service leaves that user alone.
type Locator interface {
	Locate(u User) (Profile, error)
}

// ErrNotRoaming: neither the machine policy nor the account names a roaming
// profile path.
var ErrNotRoaming = errors.New("no roaming profile path for this user")

// ServerPath chooses the roaming copy the way Windows does outside Remote
// Desktop: the machine's MachineProfilePath policy ("Set roaming profile path
// for all users logging onto this computer") over the path on the user's
// account (which Windows keeps as CentralProfile in the ProfileList). The
// policy's %USERNAME% and %USERDOMAIN% are expanded, in any case.
func ServerPath(machineProfilePath, accountPath string, u User) (string, error) {
	if p := strings.TrimSpace(machineProfilePath); p != "" {
		return expandUser(p, u)
	}
	if p := strings.TrimSpace(accountPath); p != "" {
		return expandUser(p, u)
	}
	return "", fmt.Errorf("%s: %w", u.Account(), ErrNotRoaming)
}

// expandUser replaces %USERNAME% and %USERDOMAIN% (see ExpandVars).
func expandUser(p string, u User) (string, error) {
	return ExpandVars(p, map[string]string{"USERNAME": u.Name, "USERDOMAIN": u.Domain}, u.Account())
}

// ExpandVars replaces each %NAME% of vars (names upper case, matched in any
// case) in one pass over the text as written: a value holding '%' is never
// read as a variable, and case folding never moves byte offsets (ASCII only,
// as the names are). A variable not in vars, or empty there, is an error
// naming whom (the user) it was expanded for.
func ExpandVars(p string, vars map[string]string, whom string) (string, error) {
	var b strings.Builder
	for rest := p; rest != ""; {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		j := strings.IndexByte(rest[1:], '%')
		if j < 0 {
			return "", fmt.Errorf("path %q: a %% without its closing %%", p)
		}
		v := rest[:j+2]
		val, known := vars[strings.ToUpper(v[1:len(v)-1])]
		if !known {
			return "", fmt.Errorf("path %q: only %s can be expanded, not %s", p, varList(vars), v)
		}
		if val == "" {
			return "", fmt.Errorf("path %q: %s is unknown for %s", p, v, whom)
		}
		b.WriteString(val)
		rest = rest[j+2:]
	}
	return b.String(), nil
}

// varList names vars' variables for an error message, in a stable order.
func varList(vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, "%"+n+"%")
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
