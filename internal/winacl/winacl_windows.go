package winacl

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// Protect sets dir's DACL to sddl unless it already has a protected one:
// setting it makes Windows rewrite the inherited entries of everything below,
// a walk of the whole folder that every logon must not pay, and a protected
// DACL was set by roamfs or deliberately by an administrator.
func Protect(dir, sddl string) error {
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
