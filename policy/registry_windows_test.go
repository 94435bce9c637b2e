package policy

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// testKeys creates a key tree of its own under HKCU and HKLM for one test
// (the live policy keys are left alone, also under Wine) and points
// RegistryKeys at it; both are undone when the test ends.
func testKeys(t *testing.T) (machine, user registry.Key) {
	t.Helper()
	base := fmt.Sprintf(`Software\roamfs-test-%d\%s`, os.Getpid(), t.Name())
	open := func(hive registry.Key, path string) registry.Key {
		k, _, err := registry.CreateKey(hive, path, registry.ALL_ACCESS)
		if err != nil {
			t.Fatalf("create %s: %v", path, err)
		}
		t.Cleanup(func() {
			k.Close()
			deleteTree(t, hive, path)
		})
		return k
	}
	machine = open(registry.LOCAL_MACHINE, base+`\Machine`)
	user = open(registry.CURRENT_USER, base+`\User`)
	old := RegistryKeys
	RegistryKeys = []string{`HKLM\` + base + `\Machine`, `HKCU\` + base + `\User`}
	t.Cleanup(func() { RegistryKeys = old })
	return machine, user
}

// deleteTree deletes path and its parents up to Software\roamfs-test-PID
// when they are empty.
func deleteTree(t *testing.T, hive registry.Key, path string) {
	for p := path; strings.Count(p, `\`) >= 1; p = p[:strings.LastIndexByte(p, '\\')] {
		if err := registry.DeleteKey(hive, p); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return // not empty yet: another test's key is still below
		}
	}
}

func TestWinRegistryPolicy(t *testing.T) {
	machine, user := testKeys(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(machine.SetDWordValue("EnableProfileQuota", 1))
	must(machine.SetDWordValue("MaxProfileSize", 400))
	must(user.SetDWordValue("MaxProfileSize", 999)) // machine policy wins
	must(user.SetStringValue("ExcludeProfileDirs", `Downloads;Music\Old`))
	must(machine.SetExpandStringValue("MachineProfilePath", `\\fs1\profiles$\%USERNAME%`))
	must(machine.SetStringsValue("HiveFiles", []string{"NTUSER.DAT", "UsrClass.dat"}))
	must(user.SetDWordValue("NPLogonTimeout", 15))

	p, err := FromRegistry(WindowsRegistry{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"EnableProfileQuota": p.EnableProfileQuota, "MaxProfileSize": p.MaxProfileSize,
		"ExcludeProfileDirs": p.ExcludeProfileDirs, "MachineProfilePath": p.MachineProfilePath,
		"HiveFiles": p.HiveFiles, "NPLogonTimeout": p.NPLogonTimeout, "WarnUserTimeout": p.WarnUserTimeout,
	}
	want := map[string]any{
		"EnableProfileQuota": true, "MaxProfileSize": int64(400),
		"ExcludeProfileDirs": `Downloads;Music\Old`, "MachineProfilePath": `\\fs1\profiles$\%USERNAME%`,
		"HiveFiles": []string{"NTUSER.DAT", "UsrClass.dat"}, "NPLogonTimeout": 15, "WarnUserTimeout": 15,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromRegistry:\n got %v\nwant %v", got, want)
	}
	for _, k := range []string{"EnableProfileQuota", "MaxProfileSize", "HiveFiles", "NPLogonTimeout"} {
		if !p.IsSet(k) {
			t.Errorf("%s not marked set", k)
		}
	}
	if !p.Nonroaming(`Music/Old/a.mp3`) {
		t.Error("ExcludeProfileDirs from the registry does not exclude Music\\Old")
	}
}

// A value the policy file would refuse is refused here too, naming the key
// and where it was found; so is a value of a type no key holds.
func TestWinRegistryPolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(k registry.Key) error
		want []string
	}{
		{"range", func(k registry.Key) error { return k.SetDWordValue("MassDeletePercent", 0) }, []string{"MassDeletePercent", "1–100"}},
		{"type", func(k registry.Key) error { return k.SetBinaryValue("WarnUser", []byte{1}) }, []string{"WarnUser", "wrong type"}},
		{"string for a number", func(k registry.Key) error { return k.SetStringValue("NPLogonTimeout", "soon") }, []string{"NPLogonTimeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			machine, _ := testKeys(t)
			if err := tc.set(machine); err != nil {
				t.Fatal(err)
			}
			_, err := FromRegistry(WindowsRegistry{})
			if err == nil {
				t.Fatal("FromRegistry accepted it")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// With UserSID the per-user values come from that user's hive under
// HKEY_USERS (the service runs as SYSTEM and reads the policy of the user
// logging on); here the user is the one running the test.
func TestWinRegistryUserSID(t *testing.T) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	sid := tu.User.Sid.String()
	if k, err := registry.OpenKey(registry.USERS, sid, registry.QUERY_VALUE); err != nil {
		t.Skipf("HKEY_USERS\\%s cannot be opened (%v)", sid, err)
	} else {
		k.Close()
	}
	_, user := testKeys(t)
	if err := user.SetDWordValue("WarnUserTimeout", 42); err != nil {
		t.Fatal(err)
	}
	p, err := FromRegistry(WindowsRegistry{UserSID: sid})
	if err != nil {
		t.Fatal(err)
	}
	if p.WarnUserTimeout != 42 {
		t.Errorf("WarnUserTimeout through HKEY_USERS\\%s = %d, want 42", sid, p.WarnUserTimeout)
	}
	p, err = FromRegistry(WindowsRegistry{UserSID: "S-1-5-21-1-2-3-4242"})
	if err != nil {
		t.Fatal(err)
	}
	if p.WarnUserTimeout != 15 {
		t.Errorf("another user's policy read this user's value: WarnUserTimeout = %d", p.WarnUserTimeout)
	}
}
