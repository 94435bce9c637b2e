package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"roamfs/syncer"
)

func lookupUser(name string) (profileUser, error) {
	var u *user.User
	var err error
	if name == "" {
		u, err = user.LookupId(strconv.Itoa(os.Getuid()))
	} else {
		u, err = user.Lookup(name)
	}
	if err != nil {
		return profileUser{}, usageError{fmt.Errorf("logon --user %s: %w", name, err)}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return profileUser{Name: u.Username, UID: uid, GID: gid}, nil
}

// owner is the syncer's owner for files it brings into the cache; nil when the
// daemon already is that user.
func (u profileUser) owner() *syncer.Owner {
	if u.UID == os.Geteuid() {
		return nil
	}
	return &syncer.Owner{UID: u.UID, GID: u.GID}
}

// checkServerOwner is Windows' check that the roaming profile folder belongs
// to the user or to an administrator (event 1526); CompatibleRUPSecurity
// turns it off. A folder that does not exist yet passes: logon creates it.
func checkServerOwner(dir string, u profileUser) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == u.UID || st.Uid == 0 {
		return nil
	}
	owner := strconv.Itoa(int(st.Uid))
	if o, err := user.LookupId(owner); err == nil {
		owner = o.Username
	}
	return usageError{fmt.Errorf("the server folder %s belongs to %s, neither %s nor an administrator (event 1526): "+
		"nothing was copied; fix its owner, or set CompatibleRUPSecurity in the policy", dir, owner, u.Name)}
}
