package main

import (
	"fmt"
	"os"
	"os/user"

	"golang.org/x/sys/windows"

	"roamfs/syncer"
)

func lookupUser(name string) (profileUser, error) {
	var u *user.User
	var err error
	if name == "" {
		u, err = user.Current()
	} else {
		u, err = user.Lookup(name)
	}
	if err != nil {
		return profileUser{}, usageError{fmt.Errorf("logon --user %s: %w", name, err)}
	}
	return profileUser{Name: u.Username, SID: u.Uid}, nil
}

// owner: files the daemon creates in the cache inherit the profile folder's
// ACL on Windows; there are no ids to hand out.
func (u profileUser) owner() *syncer.Owner { return nil }

// checkServerOwner is Windows' check that the roaming profile folder belongs
// to the user or to an administrator (event 1526); CompatibleRUPSecurity
// turns it off. A folder that does not exist yet passes: logon creates it.
func checkServerOwner(dir string, u profileUser) error {
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the owner of the server folder %s: %w", dir, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read the owner of the server folder %s: %w", dir, err)
	}
	if owner.String() == u.SID || owner.IsWellKnown(windows.WinBuiltinAdministratorsSid) || owner.IsWellKnown(windows.WinLocalSystemSid) {
		return nil
	}
	name := owner.String()
	if acct, dom, _, err := owner.LookupAccount(""); err == nil {
		name = dom + `\` + acct
	}
	return usageError{fmt.Errorf("the server folder %s belongs to %s, neither %s nor an administrator (event 1526): "+
		"nothing was copied; fix its owner, or set CompatibleRUPSecurity in the policy", dir, name, u.Name)}
}
