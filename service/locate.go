package service

import (
	"errors"
	"fmt"
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

var userVars = []string{"%USERNAME%", "%USERDOMAIN%"}

func expandUser(p string, u User) (string, error) {
	for i, v := range userVars {
		val := u.Name
		if i == 1 {
			val = u.Domain
		}
		for {
			at := strings.Index(strings.ToUpper(p), v)
			if at < 0 {
				break
			}
			if val == "" {
				return "", fmt.Errorf("roaming profile path %q: %s is unknown for %s", p, v, u.Account())
			}
			p = p[:at] + val + p[at+len(v):]
		}
	}
	if strings.Contains(p, "%") {
		return "", fmt.Errorf("roaming profile path %q: only %%USERNAME%% and %%USERDOMAIN%% can be expanded", p)
	}
	return p, nil
}
