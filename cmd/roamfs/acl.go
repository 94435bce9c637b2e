package main

import (
	"strings"

	"roamfs/internal/winacl"
)

// The DACLs of roamfs' machine folder (%ProgramData%\roamfs), as SDDL. Left
// alone it inherits ProgramData's ACL, under which every user can read every
// other user's cached profile. These strings are built here, without build
// tags, so that what they grant is tested on Linux; acl_windows.go applies
// them. "P" protects each DACL from inheriting its parent's entries.
const (
	// aceRX is read and execute (FILE_GENERIC_READ|FILE_GENERIC_EXECUTE),
	// what icacls calls (RX).
	aceRX = "0x1200a9"
	// adminACEs: full control for SYSTEM (the service and the daemons it
	// starts) and Administrators, on the folder and everything in it.
	adminACEs = winacl.AdminACEs
)

// machineDirSDDL lets users list the machine folder itself (no OICI: they get
// nothing inside it by inheritance, so not the service's log or the caches).
func machineDirSDDL() string { return "D:P" + adminACEs + "(A;;" + aceRX + ";;;BU)" }

// mountListSDDL lets users read the mount list: their own `roamfs logoff
// MOUNTPOINT` looks up its cache there. Only SYSTEM and Administrators write.
func mountListSDDL() string { return "D:P" + adminACEs + "(A;OICI;" + aceRX + ";;;BU)" }

// cacheSDDL gives a user's cache to that user alone, beside SYSTEM and
// Administrators: the journal, the profile and the control socket in it.
func cacheSDDL(sid string) (string, error) { return winacl.UserDirSDDL(sid) }

// inCacheRoot reports whether dir is one of the service's caches, root\<SID>
// (Windows paths compare without case). A cache an administrator put
// anywhere else keeps the ACL they gave it. Written without filepath so that
// the Linux test can use Windows paths.
func inCacheRoot(dir, root string) bool {
	trim := func(p string) string { return strings.TrimRight(p, `\/`) }
	dir, root = trim(dir), trim(root)
	i := strings.LastIndexAny(dir, `\/`)
	if i < 0 || root == "" {
		return false
	}
	name := dir[i+1:]
	return name != "." && name != ".." && strings.EqualFold(trim(dir[:i]), root)
}
