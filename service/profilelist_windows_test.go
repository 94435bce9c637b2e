package service

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.uber.org/zap"
	"golang.org/x/sys/windows/registry"

	"roamfs/internal/wintest"
	"roamfs/policy"
)

const testSID = "S-1-5-21-1111-2222-3333-1001"

// profileListEntry writes a ProfileList entry the way Windows does (image
// path unexpanded, REG_EXPAND_SZ) and removes it when the test ends.
func profileListEntry(t *testing.T, sid, image, central string) {
	t.Helper()
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, profileListKey+sid, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	t.Cleanup(func() { registry.DeleteKey(registry.LOCAL_MACHINE, profileListKey+sid) })
	if err := k.SetExpandStringValue("ProfileImagePath", image); err != nil {
		t.Fatal(err)
	}
	if central != "" {
		if err := k.SetStringValue("CentralProfile", central); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWinProfileList(t *testing.T) {
	wintest.RequireWine(t)
	profileListEntry(t, testSID, `%SystemDrive%\Users\wtest`, `\\fs1\profiles$\wtest`)
	image, central, ok, err := RegistryProfileList{}.Entry(testSID)
	if err != nil || !ok {
		t.Fatalf("Entry(%s) = ok %v, %v", testSID, ok, err)
	}
	drive := os.Getenv("SystemDrive")
	if image != drive+`\Users\wtest` || central != `\\fs1\profiles$\wtest` {
		t.Errorf("Entry = %q, %q; want %q (expanded), %q", image, central, drive+`\Users\wtest`, `\\fs1\profiles$\wtest`)
	}
	_, _, ok, err = RegistryProfileList{}.Entry("S-1-5-21-1111-2222-3333-4040")
	if ok || err != nil {
		t.Errorf("Entry of an unknown SID = ok %v, %v; want not ok, no error", ok, err)
	}
}

// The locator as the service builds it, on the live registry: the account's
// roaming path from the ProfileList, %USERPROFILE% as the mount point.
func TestWinLocatorOnRegistry(t *testing.T) {
	wintest.RequireWine(t)
	profileListEntry(t, testSID, `C:\Users\wtest`, `\\fs1\profiles$\wtest`)
	loc := WindowsLocator{
		List: RegistryProfileList{},
		Policy: func(u User) (*policy.Policy, error) {
			return policy.FromRegistry(policy.WindowsRegistry{UserSID: u.SID})
		},
		CacheRoot: `C:\ProgramData\roamfs\cache`,
		UsersDir:  `C:\Users`,
	}
	u := User{Name: "wtest", Domain: "WINE", SID: testSID}
	p, err := loc.Locate(u)
	if err != nil {
		t.Fatal(err)
	}
	want := Profile{User: u, Server: `\\fs1\profiles$\wtest`, Cache: `C:\ProgramData\roamfs\cache\` + testSID, MountPoint: `C:\Users\wtest`}
	if p != want {
		t.Errorf("Locate = %+v\nwant %+v", p, want)
	}
	_, err = loc.Locate(User{Name: "local", SID: "S-1-5-21-1111-2222-3333-4041"})
	if !errors.Is(err, ErrNotRoaming) {
		t.Errorf("a user without a ProfileList entry or policy path: %v, want ErrNotRoaming", err)
	}
}

func TestWinProfilesDirectory(t *testing.T) {
	wintest.RequireWine(t)
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, strings.TrimSuffix(profileListKey, `\`), registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	old, oldType, oldErr := k.GetStringValue("ProfilesDirectory")
	t.Cleanup(func() {
		switch {
		case oldErr != nil:
			k.DeleteValue("ProfilesDirectory")
		case oldType == registry.EXPAND_SZ:
			k.SetExpandStringValue("ProfilesDirectory", old)
		default:
			k.SetStringValue("ProfilesDirectory", old)
		}
	})
	if err := k.SetExpandStringValue("ProfilesDirectory", `%SystemDrive%\Profiles`); err != nil {
		t.Fatal(err)
	}
	dir, err := ProfilesDirectory()
	if err != nil || dir != os.Getenv("SystemDrive")+`\Profiles` {
		t.Errorf("ProfilesDirectory = %q, %v; want %s\\Profiles", dir, err, os.Getenv("SystemDrive"))
	}
	if err := k.SetStringValue("ProfilesDirectory", ""); err != nil {
		t.Fatal(err)
	}
	dir, err = ProfilesDirectory()
	if err == nil || !strings.HasSuffix(dir, `\Users`) {
		t.Errorf("an empty ProfilesDirectory: %q, %v; want the default folder and an error", dir, err)
	}
}

// The session listing the service reconciles with. Wine has no Remote
// Desktop Services: when it cannot list, the test says so and skips.
func TestWinListSessions(t *testing.T) {
	sessions, err := listSessions(zap.NewNop())
	if err != nil {
		t.Skipf("WTSEnumerateSessions under this Windows: %v", err)
	}
	for _, s := range sessions {
		t.Logf("session %d: %+v", s.ID, s.User)
	}
}
