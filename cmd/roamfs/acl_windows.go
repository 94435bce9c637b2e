package main

import (
	"fmt"
	"os"
	"path/filepath"

	"roamfs/cachedir"
	"roamfs/internal/winacl"
)

// makeMachineDirs creates the machine folder and its mount list with their
// own DACLs (acl.go) before anything is written there: by default they would
// inherit ProgramData's, which lets every user read every cache.
func makeMachineDirs() error {
	for _, d := range []struct{ path, sddl string }{
		{machineDir(), machineDirSDDL()},
		{mountListDir(), mountListSDDL()},
		{cacheRoot(), ""}, // inherits the machine folder's: SYSTEM and Administrators
	} {
		if err := os.MkdirAll(d.path, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d.path, err)
		}
		if d.sddl != "" {
			if err := protectDir(d.path, d.sddl); err != nil {
				return err
			}
		}
	}
	return nil
}

// cacheRoot holds the service's caches, one cache\<SID> per user.
func cacheRoot() string { return filepath.Join(machineDir(), "cache") }

// secureCache gives a cache of the service's layout to its user alone (with
// SYSTEM and Administrators) before the logon puts the profile in it.
func secureCache(l cachedir.Layout, u profileUser) error {
	if !inCacheRoot(l.Dir, cacheRoot()) {
		return nil
	}
	sddl, err := cacheSDDL(u.SID)
	if err != nil {
		return usageError{fmt.Errorf("logon: cache %s: %w", l.Dir, err)}
	}
	if err := makeMachineDirs(); err != nil {
		return err
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return fmt.Errorf("create cache %s: %w", l.Dir, err)
	}
	return protectDir(l.Dir, sddl)
}

// protectDir sets dir's DACL to sddl unless it already has a protected one
// (winacl.Protect).
func protectDir(dir, sddl string) error { return winacl.Protect(dir, sddl) }
