package service

import (
	"errors"
	"testing"

	"roamfs/policy"
)

type fakeList map[string][2]string

func (f fakeList) Entry(sid string) (string, string, bool, error) {
	if sid == "S-BROKEN" {
		return "", "", false, errors.New("access denied")
	}
	e, ok := f[sid]
	return e[0], e[1], ok, nil
}

func TestWindowsLocator(t *testing.T) {
	list := fakeList{
		"S-1": {`C:\Users\alice`, `\\fs\profiles\alice`},
		"S-2": {`D:\Profiles\bob`, ""},
	}
	withMachinePath := func(p string) func(User) (*policy.Policy, error) {
		return func(User) (*policy.Policy, error) {
			pol := policy.Default()
			pol.MachineProfilePath = p
			return pol, nil
		}
	}
	for _, c := range []struct {
		name    string
		machine string
		u       User
		want    Profile
		err     string // "" = none, "not roaming", or any error
	}{
		{"account path, known profile", "", User{Name: "alice", SID: "S-1"},
			Profile{Server: `\\fs\profiles\alice`, Cache: `C:\ProgramData\roamfs\cache\S-1`, MountPoint: `C:\Users\alice`}, ""},
		{"machine policy over the account", `\\fs2\p\%USERNAME%`, User{Name: "alice", SID: "S-1"},
			Profile{Server: `\\fs2\p\alice`, Cache: `C:\ProgramData\roamfs\cache\S-1`, MountPoint: `C:\Users\alice`}, ""},
		{"profile elsewhere", `\\fs2\p\%USERNAME%`, User{Name: "bob", SID: "S-2"},
			Profile{Server: `\\fs2\p\bob`, Cache: `C:\ProgramData\roamfs\cache\S-2`, MountPoint: `D:\Profiles\bob`}, ""},
		{"first logon on this machine", `\\fs2\p\%USERNAME%`, User{Name: "carol", SID: "S-3"},
			Profile{Server: `\\fs2\p\carol`, Cache: `C:\ProgramData\roamfs\cache\S-3`, MountPoint: `C:\Users\carol`}, ""},
		{"no roaming path anywhere", "", User{Name: "bob", SID: "S-2"}, Profile{}, "not roaming"},
		{"registry unreadable", "", User{Name: "x", SID: "S-BROKEN"}, Profile{}, "error"},
		{"no SID", "", User{Name: "x"}, Profile{}, "error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := WindowsLocator{List: list, Policy: withMachinePath(c.machine), CacheRoot: `C:\ProgramData\roamfs\cache\`, UsersDir: `C:\Users`}
			got, err := l.Locate(c.u)
			switch {
			case c.err == "" && err != nil, c.err != "" && err == nil:
				t.Fatalf("Locate(%+v) error %v, want %q", c.u, err, c.err)
			case c.err == "not roaming" && !errors.Is(err, ErrNotRoaming):
				t.Fatalf("Locate(%+v) error %v, want ErrNotRoaming", c.u, err)
			}
			c.want.User = c.u
			if err == nil && got != c.want {
				t.Errorf("Locate(%+v) =\n %+v\nwant\n %+v", c.u, got, c.want)
			}
		})
	}
}
