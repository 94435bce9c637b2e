package login

import (
	"fmt"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"

	"roamfs/service"
)

// Account is a Linux account as the hook needs it.
type Account struct {
	Name     string
	UID, GID int
	Home     string
	Groups   []string // names of the groups the account is a member of
}

// LookupAccount reads name's passwd and group entries (NSS: local files,
// LDAP or SSSD alike).
func LookupAccount(name string) (Account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return Account{}, fmt.Errorf("look up %s: %w", name, err)
	}
	a := Account{Name: u.Username, Home: u.HomeDir}
	a.UID, _ = strconv.Atoi(u.Uid)
	a.GID, _ = strconv.Atoi(u.Gid)
	gids, err := u.GroupIds()
	if err != nil {
		return a, fmt.Errorf("groups of %s: %w", name, err)
	}
	for _, gid := range gids {
		if g, err := user.LookupGroupId(gid); err == nil {
			a.Groups = append(a.Groups, g.Name)
		}
	}
	return a, nil
}

// Locator finds a Linux account's profile from the machine configuration.
type Locator struct {
	Config Config
	// Lookup reads an account; nil means LookupAccount.
	Lookup func(name string) (Account, error)
}

// Locate implements service.Locator. An account below MinUID or outside
// Groups has no roaming profile (service.ErrNotRoaming): the hook leaves it
// alone and the login goes on.
func (l Locator) Locate(u service.User) (service.Profile, error) {
	lookup := l.Lookup
	if lookup == nil {
		lookup = LookupAccount
	}
	a, err := lookup(u.Name)
	if err != nil {
		return service.Profile{}, err
	}
	c := l.Config
	if a.UID < c.MinUID {
		return service.Profile{}, fmt.Errorf("%s (uid %d, below MinUID %d): %w", a.Name, a.UID, c.MinUID, service.ErrNotRoaming)
	}
	if len(c.Groups) > 0 && !slices.ContainsFunc(c.Groups, func(g string) bool { return slices.Contains(a.Groups, g) }) {
		return service.Profile{}, fmt.Errorf("%s (in none of the groups %v): %w", a.Name, c.Groups, service.ErrNotRoaming)
	}
	server, err := service.ServerPath(c.ServerPathTemplate, "", u)
	if err != nil {
		return service.Profile{}, fmt.Errorf("ServerPathTemplate: %w", err)
	}
	vars := map[string]string{"USERNAME": a.Name, "HOME": a.Home}
	mnt, err := service.ExpandVars(c.MountPoint, vars, a.Name)
	if err != nil {
		return service.Profile{}, fmt.Errorf("MountPoint: %w", err)
	}
	return service.Profile{User: u, Server: server, Cache: filepath.Join(c.CacheRoot, a.Name),
		MountPoint: filepath.Clean(mnt), PolicyFile: c.PolicyFile}, nil
}
