package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"

	"roamfs/cachedir"
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

// protectDir sets dir's DACL to sddl unless it already has a protected one:
// setting it makes Windows rewrite the inherited entries of everything below,
// a walk of the whole cache that every logon must not pay, and a protected
// DACL was set by roamfs or deliberately by an administrator.
func protectDir(dir, sddl string) error {
	cur, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the access list of %s (run as SYSTEM or an administrator): %w", dir, err)
	}
	if cur != nil {
		if ctl, _, err := cur.Control(); err == nil && ctl&windows.SE_DACL_PROTECTED != 0 {
			return nil
		}
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("access list %s for %s: %w", sddl, dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("access list %s for %s: %w", sddl, dir, err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("restrict access to %s (run as SYSTEM or an administrator; or set its ACL to %s by hand): %w", dir, sddl, err)
	}
	return nil
}
