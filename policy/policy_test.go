package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	want := Policy{
		MaxProfileSize:      30000,
		WarnUserTimeout:     15,
		ProfileQuotaMessage: "You have exceeded your profile storage space. Before you can log off, you need to move some items from your profile to network or local storage.",
		UploadHiveInterval:  12,
		HiveUploadJitter:    time.Hour,
		HiveFiles:           []string{"NTUSER.DAT"},
		MergeMode:           MergeModeMerge,
		ConflictCopies:      true,
		CaseInsensitive:     true,
		MassDeletePercent:   50,
		PSEnabled:           true,
		PSAlwaysCache:       true,
		PSFetchTimeout:      5 * time.Second,
		NPLogonTimeout:      60,

		PSMidSessionWriteBack:         true,
		PSMidSessionWriteBackInterval: 5 * time.Minute,
	}
	if got := Default(); !reflect.DeepEqual(*got, want) {
		t.Errorf("Default() = %+v\nwant %+v", *got, want)
	}
	// Parsing nothing must give exactly the defaults.
	for _, doc := range []string{"", "# only a comment\n", "---\n", "~\n", "{}\n"} {
		p, err := Parse([]byte(doc), "p.yaml")
		if err != nil {
			t.Errorf("Parse(%q): %v", doc, err)
			continue
		}
		if !reflect.DeepEqual(p, Default()) {
			t.Errorf("Parse(%q) = %+v, want defaults", doc, *p)
		}
	}
}

// The order is the design's policy table; cmd prints it as is.
var designOrder = []string{
	"ExcludeProfileDirs", "EnableProfileQuota", "MaxProfileSize", "IncludeRegInProQuota",
	"WarnUser", "WarnUserTimeout", "ProfileQuotaMessage", "DeleteRoamingCache",
	"ReadOnlyProfile", "CompatibleRUPSecurity", "UploadHiveMethod", "UploadHiveInterval",
	"UploadHiveTime", "MachineProfilePath", "HiveUploadEvery", "HiveUploadJitter",
	"HiveFiles", "MergeMode", "ConflictCopies", "CaseInsensitive", "MassDeletePercent",
	"PSEnabled", "PSAlwaysCache", "PSAlwaysCacheSize", "PSFetchTimeout",
	"NPLogonTimeout",
	"PSMidSessionWriteBack", "PSMidSessionWriteBackInterval", "PSMidSessionWriteBackReg",
}

func TestSettingsDefault(t *testing.T) {
	wantValue := map[string]string{
		"ExcludeProfileDirs": "", "EnableProfileQuota": "false", "MaxProfileSize": "30000",
		"WarnUserTimeout": "15", "UploadHiveMethod": "0", "UploadHiveInterval": "12",
		"HiveUploadEvery": "", "HiveUploadJitter": "1h", "HiveFiles": "[NTUSER.DAT]",
		"MergeMode": "merge", "ConflictCopies": "true", "CaseInsensitive": "true",
		"MassDeletePercent": "50", "ProfileQuotaMessage": DefaultProfileQuotaMessage,
		"PSEnabled": "true", "PSAlwaysCache": "true", "PSAlwaysCacheSize": "0", "PSFetchTimeout": "5s",
		"NPLogonTimeout":        "60",
		"PSMidSessionWriteBack": "true", "PSMidSessionWriteBackInterval": "5m", "PSMidSessionWriteBackReg": "false",
	}
	p := Default()
	s := p.Settings()
	if len(s) != len(designOrder) {
		t.Fatalf("Settings() has %d keys, want %d", len(s), len(designOrder))
	}
	for i, st := range s {
		if st.Key != designOrder[i] {
			t.Errorf("Settings()[%d].Key = %s, want %s", i, st.Key, designOrder[i])
		}
		if st.Set || p.IsSet(st.Key) {
			t.Errorf("%s: Set on a default policy", st.Key)
		}
		if w, ok := wantValue[st.Key]; ok && st.Value != w {
			t.Errorf("%s = %q, want %q", st.Key, st.Value, w)
		}
	}
}

func TestSettingsSet(t *testing.T) {
	p, err := Parse([]byte("MaxProfileSize: 30000\nHiveUploadEvery: 90s\nHiveFiles: [NTUSER.DAT, UsrClass.dat, \"yes\", \"a b\"]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.WarnUser = true // changed in code: not from the file, but not the default either
	tests := []struct {
		key, value string
		set        bool
	}{
		{"MaxProfileSize", "30000", true}, // given explicitly, even if equal to the default
		{"HiveUploadEvery", "1m30s", true},
		{"HiveFiles", `[NTUSER.DAT, UsrClass.dat, "yes", "a b"]`, true},
		{"WarnUser", "true", true},
		{"WarnUserTimeout", "15", false},
	}
	got := map[string]Setting{}
	for _, s := range p.Settings() {
		got[s.Key] = s
	}
	for _, tt := range tests {
		if s := got[tt.key]; s.Value != tt.value || s.Set != tt.set {
			t.Errorf("%s = %+v, want value %q set %v", tt.key, s, tt.value, tt.set)
		}
	}
	if !p.IsSet("MaxProfileSize") || p.IsSet("WarnUser") || p.IsSet("maxprofilesize") || p.IsSet("Nope") {
		t.Error("IsSet does not report exactly the keys given in the file")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("ReadOnlyProfile: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("\nReadOnlyProfile: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if p, err := Load(""); err != nil || !reflect.DeepEqual(p, Default()) {
		t.Errorf(`Load("") = %+v, %v; want defaults`, p, err)
	}
	if p, err := Load(good); err != nil || !p.ReadOnlyProfile {
		t.Errorf("Load(good) = %+v, %v", p, err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err := Load(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) = %v; want a not-exist error naming the path", err)
	}

	_, err = Load(bad)
	var pe *Error
	if !errors.As(err, &pe) || pe.Source != bad || pe.Line != 2 || pe.Key != "ReadOnlyProfile" {
		t.Errorf("Load(bad) = %#v", err)
	}
	if want := bad + ":2: ReadOnlyProfile: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load(bad) = %q, want prefix %q", err, want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{"policy.yaml", 3, "MaxProfileSize", "10 is out of range (allowed 300–30000000 KB)"},
			"policy.yaml:3: MaxProfileSize: 10 is out of range (allowed 300–30000000 KB)"},
		{Error{"policy.yaml", 0, "", "invalid YAML: x"}, "policy.yaml: invalid YAML: x"},
		{Error{"", 4, "WarnUser", "m"}, "line 4: WarnUser: m"},
		{Error{"", 0, "", "m"}, "m"},
		{Error{"p", 1, "a: b", "unknown key"}, `p:1: "a: b": unknown key`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}
