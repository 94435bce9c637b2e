package service

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"roamfs/internal/junction"
	"roamfs/internal/winacl"
)

// WindowsHome is HomeFS on this machine: NTFS junctions, the profile
// folder's access list, the registry's list of loaded hives.
type WindowsHome struct{}

// MakeHome implements HomeFS. The folder is made as Windows' profile
// service makes one: the user, SYSTEM and Administrators with full control,
// nothing inherited from C:\Users (where Users may read).
func (WindowsHome) MakeHome(dir, sid string) error {
	if _, err := os.Lstat(dir); err == nil {
		return nil
	}
	sddl, err := winacl.UserDirSDDL(sid)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the profile folder: %w", err)
	}
	return winacl.Protect(dir, sddl)
}

// Junction implements HomeFS.
func (WindowsHome) Junction(link string) (string, bool, error) {
	p, err := junction.Read(link)
	switch {
	case err == nil:
		return p.Path(), true, nil
	case errors.Is(err, junction.ErrFormat):
		return "", false, nil
	}
	if _, serr := os.Lstat(link); serr != nil {
		return "", false, serr
	}
	return "", false, err
}

// Link implements HomeFS.
func (WindowsHome) Link(link, target string) error { return junction.Create(link, target) }

// Unlink implements HomeFS.
func (WindowsHome) Unlink(link string) error { return junction.Remove(link) }

// HiveLoaded implements HomeFS: a loaded hive is a key HKEY_USERS\SID.
func (WindowsHome) HiveLoaded(sid string) (bool, error) {
	k, err := registry.OpenKey(registry.USERS, sid, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf(`open HKEY_USERS\%s: %w`, sid, err)
	}
	k.Close()
	return true, nil
}

// LookupUser resolves an account as a logon names it (DOMAIN and name, or a
// UPN with no domain) to its canonical names and security id.
func LookupUser(domain, name string) (User, error) {
	account := name
	if domain != "" {
		account = domain + `\` + name
	}
	sid, _, _, err := windows.LookupSID("", account)
	if err != nil {
		return User{}, fmt.Errorf("look up %s: %w", account, err)
	}
	n, d, _, err := sid.LookupAccount("")
	if err != nil {
		return User{}, fmt.Errorf("account of %s: %w", sid, err)
	}
	return User{Name: n, Domain: d, SID: sid.String()}, nil
}

// KnownUsers lists the users with a ProfileList entry and a cache under
// cacheRoot (cacheRoot\SID): those the service has logged on here before.
func KnownUsers(cacheRoot string) ([]User, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileListKey[:len(profileListKey)-1], registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, fmt.Errorf("open ProfileList: %w", err)
	}
	defer k.Close()
	sids, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("list ProfileList: %w", err)
	}
	var out []User
	for _, s := range sids {
		if winacl.CheckSID(s) != nil {
			continue
		}
		if _, err := os.Stat(winJoin(cacheRoot, s)); err != nil {
			continue
		}
		sid, err := windows.StringToSid(s)
		if err != nil {
			continue
		}
		name, domain, _, err := sid.LookupAccount("")
		if err != nil {
			continue // a deleted account: nobody logs on as it
		}
		out = append(out, User{Name: name, Domain: domain, SID: s})
	}
	return out, nil
}
