// Package winacl is the access lists roamfs gives the folders it creates on
// Windows, as SDDL strings built and checked here without build tags (so the
// Linux tests see what they grant), and applied by Protect
// (winacl_windows.go).
package winacl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// AdminACEs: full control for SYSTEM (the service and the daemons it starts)
// and Administrators, on the folder and everything in it.
const AdminACEs = "(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// UserDirSDDL gives a folder to one user alone, beside SYSTEM and
// Administrators, protected from inheriting its parent's entries: a user's
// cache, a user's profile folder.
func UserDirSDDL(sid string) (string, error) {
	if err := CheckSID(sid); err != nil {
		return "", err
	}
	return "D:P" + AdminACEs + "(A;OICI;FA;;;" + sid + ")", nil
}

var sidRE = regexp.MustCompile(`^S-1-([0-9]+)((?:-[0-9]+){1,15})$`)

// CheckSID accepts a user's security id in its S-1-… form only. What goes
// into an SDDL string must not be able to end the ACE early, and an SDDL
// alias ("BU", "WD") would hand the folder to a whole group.
func CheckSID(sid string) error {
	m := sidRE.FindStringSubmatch(sid)
	if m == nil {
		return fmt.Errorf("%q is not a security id (S-1-5-21-…): the folder's access cannot be limited to its user", sid)
	}
	if _, err := strconv.ParseUint(m[1], 10, 48); err != nil {
		return fmt.Errorf("security id %q: identifier authority out of range", sid)
	}
	for _, sub := range strings.Split(m[2][1:], "-") {
		if _, err := strconv.ParseUint(sub, 10, 32); err != nil {
			return fmt.Errorf("security id %q: sub-authority %s out of range", sid, sub)
		}
	}
	return nil
}
