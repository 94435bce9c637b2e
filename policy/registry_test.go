package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFromRegistry(t *testing.T) {
	const (
		hklm  = `HKLM\Software\Policies\Microsoft\Windows\System\`
		hkcu  = `HKCU\Software\Policies\Microsoft\Windows\System\`
		quota = `HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\System\`
		own   = `HKLM\Software\Policies\roamfs\`
	)
	reg := MapRegistry{
		quota + "EnableProfileQuota":                 uint32(1),
		quota + "MaxProfileSize":                     uint32(50000),
		quota + "ProfileQuotaMessage":                "Too big.",
		hkcu + "ExcludeProfileDirs":                  `Downloads;Music\Old`,
		hklm + "DeleteRoamingCache":                  uint32(1),
		hkcu + "DeleteRoamingCache":                  uint32(0), // machine policy wins
		hklm + "UploadHiveMethod":                    uint32(1),
		own + "HiveUploadEvery":                      "30s",
		own + "HiveFiles":                            []string{"NTUSER.DAT", "UsrClass.dat"},
		strings.ToUpper(hklm) + "MACHINEPROFILEPATH": `\\srv\profiles\%USERNAME%`, // registry names are case-insensitive
	}
	p, err := FromRegistry(reg)
	if err != nil {
		t.Fatal(err)
	}
	if !p.EnableProfileQuota || p.MaxProfileSize != 50000 || p.ProfileQuotaMessage != "Too big." {
		t.Errorf("quota values: %+v", p)
	}
	if !p.DeleteRoamingCache || p.UploadHiveMethod != 1 || p.HiveUploadEvery != 30*time.Second {
		t.Errorf("machine values: %+v", p)
	}
	if len(p.HiveFiles) != 2 || p.MachineProfilePath != `\\srv\profiles\%USERNAME%` {
		t.Errorf("lists and strings: %+v", p)
	}
	if !p.Nonroaming("Music/Old/x.mp3") || p.Nonroaming("Music/New") {
		t.Error("ExcludeProfileDirs from the registry not applied")
	}
	if !p.IsSet("MaxProfileSize") || p.IsSet("WarnUser") {
		t.Error("IsSet wrong")
	}
}

func TestFromRegistryRefusesBadValues(t *testing.T) {
	cases := map[string]MapRegistry{
		"MaxProfileSize": {`HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\System\MaxProfileSize`: uint32(5)},
		"WarnUser":       {`HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\System\WarnUser`: "yes please"},
		"HiveFiles":      {`HKLM\Software\Policies\roamfs\HiveFiles`: uint32(3)},
		"MergeMode":      {`HKLM\Software\Policies\roamfs\MergeMode`: []byte{1}},
	}
	for key, reg := range cases {
		_, err := FromRegistry(reg)
		var pe *Error
		if !errors.As(err, &pe) || pe.Key != key {
			t.Errorf("%s: error %v, want a policy error naming the key", key, err)
		}
	}
}

func TestFromRegistryEmptyIsDefault(t *testing.T) {
	p, err := FromRegistry(MapRegistry{})
	if err != nil {
		t.Fatal(err)
	}
	if d := Default(); p.MaxProfileSize != d.MaxProfileSize || p.MergeMode != d.MergeMode || len(p.Settings()) != len(d.Settings()) {
		t.Errorf("empty registry is not the default policy")
	}
}
