package login

import (
	"errors"
	"strings"
	"testing"

	"roamfs/service"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte("ServerPathTemplate: /srv/profiles/%USERNAME%\nGroups: [roaming, staff]\n"), "roamfs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.MountPoint != "%HOME%/Profile" || c.CacheRoot != "/var/lib/roamfs/cache" || c.MinUID != 1000 || len(c.Groups) != 2 {
		t.Errorf("defaults not applied: %+v", c)
	}
	for _, bad := range []struct{ doc, want string }{
		{"", "ServerPathTemplate is required"},
		{"MountPoint: /mnt\n", "ServerPathTemplate is required"},
		{"ServerPathTemplate: /srv/%USERNAME%\nMountpoint: /mnt\n", `line 2: unknown key "Mountpoint"`},
		{"ServerPathTemplate: /srv/%USERNAME%\nMinUID: lots\n", "line 2: MinUID: cannot unmarshal"},
		{"ServerPathTemplate: /srv/%USERNAME%\nCacheRoot: cache\n", `CacheRoot "cache" must be an absolute path`},
		{"ServerPathTemplate: /a\nServerPathTemplate: /b\n", "line 2: ServerPathTemplate is given twice"},
		{"- a list\n", "must be a mapping"},
		{"ServerPathTemplate: [\n", "invalid YAML"},
	} {
		if _, err := ParseConfig([]byte(bad.doc), "roamfs.yaml"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error with %q", bad.doc, err, bad.want)
		}
	}
}

func TestLocate(t *testing.T) {
	accounts := map[string]Account{
		"alice": {Name: "alice", UID: 1001, GID: 1001, Home: "/home/alice", Groups: []string{"alice", "roaming"}},
		"bob":   {Name: "bob", UID: 1002, GID: 1002, Home: "/home/bob", Groups: []string{"bob"}},
		"root":  {Name: "root", UID: 0, Home: "/root"},
	}
	lookup := func(name string) (Account, error) {
		a, ok := accounts[name]
		if !ok {
			return a, errors.New("no such user")
		}
		return a, nil
	}
	c := defaults()
	c.ServerPathTemplate = "/srv/profiles/%USERNAME%"
	l := Locator{Config: c, Lookup: lookup}
	p, err := l.Locate(service.User{Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	want := service.Profile{User: service.User{Name: "alice"}, Server: "/srv/profiles/alice",
		Cache: "/var/lib/roamfs/cache/alice", MountPoint: "/home/alice/Profile"}
	if p != want {
		t.Errorf("Locate(alice) = %+v, want %+v", p, want)
	}
	if _, err := l.Locate(service.User{Name: "root"}); !errors.Is(err, service.ErrNotRoaming) {
		t.Errorf("root roams: %v", err)
	}
	l.Config.Groups = []string{"roaming"}
	l.Config.MountPoint = "%home%"
	if p, err := l.Locate(service.User{Name: "alice"}); err != nil || p.MountPoint != "/home/alice" {
		t.Errorf("alice in the group, mounted on her home: %+v, %v", p, err)
	}
	if _, err := l.Locate(service.User{Name: "bob"}); !errors.Is(err, service.ErrNotRoaming) {
		t.Errorf("bob is in none of the groups but roams: %v", err)
	}
	l.Config.MountPoint = "/profiles/%HOMEDRIVE%"
	if _, err := l.Locate(service.User{Name: "alice"}); err == nil || errors.Is(err, service.ErrNotRoaming) {
		t.Errorf("an unknown variable in MountPoint: %v", err)
	}
}

func TestUnitName(t *testing.T) {
	for user, want := range map[string]string{
		"alice": "roamfs@alice.service", "first.last": "roamfs@first.last.service",
		"a-b": `roamfs@a\x2db.service`, "CORP\\bob": `roamfs@CORP\x5cbob.service`, ".x": `roamfs@\x2ex.service`,
	} {
		if got := UnitName(user); got != want {
			t.Errorf("UnitName(%q) = %q, want %q", user, got, want)
		}
	}
}
