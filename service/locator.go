package service

import (
	"fmt"
	"strings"

	"roamfs/policy"
)

// ProfileList is what Windows records per account under
// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\<SID>.
type ProfileList interface {
	// Entry returns ProfileImagePath (environment variables expanded: this is
	// %USERPROFILE%) and CentralProfile (the account's roaming path, empty
	// when it has none). ok is false when Windows has no entry for sid yet.
	Entry(sid string) (image, central string, ok bool, err error)
}

// WindowsLocator finds profiles the way the Windows service needs them: the
// server from the policy or the account, the mount point where Windows
// expects the profile, the cache in roamfs' machine folder.
type WindowsLocator struct {
	List      ProfileList
	Policy    func(u User) (*policy.Policy, error) // the Group Policy values that apply to u
	CacheRoot string                               // e.g. C:\ProgramData\roamfs\cache
	UsersDir  string                               // e.g. C:\Users: where a first profile goes
	// MountRoot, when set, is where the volumes are mounted, one MountRoot\SID
	// per user (e.g. C:\ProgramData\roamfs\mnt), and the profile folder
	// becomes Profile.Home (the Windows layout, Preparer). "" mounts over the
	// profile folder.
	MountRoot string
}

// Locate implements Locator.
func (l WindowsLocator) Locate(u User) (Profile, error) {
	if u.SID == "" {
		return Profile{}, fmt.Errorf("%s: no security id", u.Account())
	}
	pol, err := l.Policy(u)
	if err != nil {
		return Profile{}, fmt.Errorf("policy for %s: %w", u.Account(), err)
	}
	image, central, ok, err := l.List.Entry(u.SID)
	if err != nil {
		return Profile{}, fmt.Errorf("profile list entry of %s: %w", u.Account(), err)
	}
	server, err := ServerPath(pol.MachineProfilePath, central, u)
	if err != nil {
		return Profile{}, err
	}
	if !ok || image == "" {
		image = winJoin(l.UsersDir, u.Name)
	}
	p := Profile{User: u, Server: server, Cache: winJoin(l.CacheRoot, u.SID), MountPoint: image}
	if l.MountRoot != "" {
		p.Home, p.MountPoint = image, winJoin(l.MountRoot, u.SID)
	}
	return p, nil
}

// winJoin joins with a backslash whatever the build's separator: these are
// Windows paths even when the test runs on Linux.
func winJoin(dir, name string) string {
	return strings.TrimRight(dir, `\/`) + `\` + name
}
