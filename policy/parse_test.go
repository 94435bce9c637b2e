package policy

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseEveryKey(t *testing.T) {
	tests := []struct {
		doc  string
		get  func(p *Policy) any
		want any
	}{
		{`ExcludeProfileDirs: 'Downloads;Music\Old'`, func(p *Policy) any { return p.ExcludeProfileDirs }, `Downloads;Music\Old`},
		{`ExcludeProfileDirs:`, func(p *Policy) any { return p.ExcludeProfileDirs }, ""},
		{`EnableProfileQuota: true`, func(p *Policy) any { return p.EnableProfileQuota }, true},
		{`EnableProfileQuota: 1`, func(p *Policy) any { return p.EnableProfileQuota }, true}, // a DWORD
		{`MaxProfileSize: 300`, func(p *Policy) any { return p.MaxProfileSize }, int64(300)},
		{`MaxProfileSize: 30000000`, func(p *Policy) any { return p.MaxProfileSize }, int64(30000000)},
		{`MaxProfileSize: 0x1000`, func(p *Policy) any { return p.MaxProfileSize }, int64(4096)},
		{`IncludeRegInProQuota: True`, func(p *Policy) any { return p.IncludeRegInProQuota }, true},
		{`WarnUser: true`, func(p *Policy) any { return p.WarnUser }, true},
		{`WarnUserTimeout: 0`, func(p *Policy) any { return p.WarnUserTimeout }, 0},
		{`WarnUserTimeout: 1440`, func(p *Policy) any { return p.WarnUserTimeout }, 1440},
		{`ProfileQuotaMessage: "Clean up your profile, please."`, func(p *Policy) any { return p.ProfileQuotaMessage }, "Clean up your profile, please."},
		{`DeleteRoamingCache: true`, func(p *Policy) any { return p.DeleteRoamingCache }, true},
		{`ReadOnlyProfile: true`, func(p *Policy) any { return p.ReadOnlyProfile }, true},
		{`CompatibleRUPSecurity: true`, func(p *Policy) any { return p.CompatibleRUPSecurity }, true},
		{`UploadHiveMethod: 2`, func(p *Policy) any { return p.UploadHiveMethod }, 2},
		{`UploadHiveInterval: 720`, func(p *Policy) any { return p.UploadHiveInterval }, 720},
		{`UploadHiveTime: 23`, func(p *Policy) any { return p.UploadHiveTime }, 23},
		{`MachineProfilePath: '\\server\profiles\%USERNAME%'`, func(p *Policy) any { return p.MachineProfilePath }, `\\server\profiles\%USERNAME%`},
		{`HiveUploadEvery: 2s`, func(p *Policy) any { return p.HiveUploadEvery }, 2 * time.Second},
		{`HiveUploadEvery: 1h30m`, func(p *Policy) any { return p.HiveUploadEvery }, 90 * time.Minute},
		{`HiveUploadJitter: 0`, func(p *Policy) any { return p.HiveUploadJitter }, time.Duration(0)},
		{`HiveUploadJitter: 500ms`, func(p *Policy) any { return p.HiveUploadJitter }, 500 * time.Millisecond},
		{"HiveFiles:\n  - NTUSER.DAT\n  - UsrClass.dat\n", func(p *Policy) any { return p.HiveFiles }, []string{"NTUSER.DAT", "UsrClass.dat"}},
		{`MergeMode: mirror`, func(p *Policy) any { return p.MergeMode }, MergeModeMirror},
		{`MergeMode: merge`, func(p *Policy) any { return p.MergeMode }, MergeModeMerge},
		{`ConflictCopies: false`, func(p *Policy) any { return p.ConflictCopies }, false},
		{`ConflictCopies: 0`, func(p *Policy) any { return p.ConflictCopies }, false},
		{`CaseInsensitive: false`, func(p *Policy) any { return p.CaseInsensitive }, false},
		{`MassDeletePercent: 1`, func(p *Policy) any { return p.MassDeletePercent }, 1},
		{`MassDeletePercent: 100`, func(p *Policy) any { return p.MassDeletePercent }, 100},
		{`PSEnabled: false`, func(p *Policy) any { return p.PSEnabled }, false},
		{`PSAlwaysCache: 0`, func(p *Policy) any { return p.PSAlwaysCache }, false},
		{`PSAlwaysCacheSize: 20`, func(p *Policy) any { return p.PSAlwaysCacheSize }, int64(20)},
		{`PSFetchTimeout: 250ms`, func(p *Policy) any { return p.PSFetchTimeout }, 250 * time.Millisecond},
		{`NPLogonTimeout: 0`, func(p *Policy) any { return p.NPLogonTimeout }, 0},
		{`NPLogonTimeout: 600`, func(p *Policy) any { return p.NPLogonTimeout }, 600},
		{`PSMidSessionWriteBack: false`, func(p *Policy) any { return p.PSMidSessionWriteBack }, false},
		{`PSMidSessionWriteBackInterval: 2s`, func(p *Policy) any { return p.PSMidSessionWriteBackInterval }, 2 * time.Second},
		{`PSMidSessionWriteBackReg: true`, func(p *Policy) any { return p.PSMidSessionWriteBackReg }, true},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		key, _, _ := strings.Cut(tt.doc, ":")
		covered[key] = true
		t.Run(tt.doc, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc+"\n"), "p.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			if !p.IsSet(key) {
				t.Errorf("IsSet(%s) = false", key)
			}
		})
	}
	for _, k := range designOrder {
		if !covered[k] {
			t.Errorf("key %s has no parse test", k)
		}
	}
}

// A full policy file as an administrator would write it, with comments,
// anchors and an alias.
func TestParseDocument(t *testing.T) {
	doc := `# roamfs policy for the lab machines
ExcludeProfileDirs: Downloads;Music\Old
EnableProfileQuota: true
MaxProfileSize: &size 500000
WarnUser: 1
HiveFiles: [NTUSER.DAT, UsrClass.dat]
MergeMode: mirror
UploadHiveMethod: 1
UploadHiveInterval: 6
HiveUploadJitter: 5m
`
	p, err := Parse([]byte(doc), "lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.ExcludeProfileDirs = `Downloads;Music\Old`
	want.EnableProfileQuota = true
	want.MaxProfileSize = 500000
	want.WarnUser = true
	want.HiveFiles = []string{"NTUSER.DAT", "UsrClass.dat"}
	want.MergeMode = MergeModeMirror
	want.UploadHiveMethod = 1
	want.UploadHiveInterval = 6
	want.HiveUploadJitter = 5 * time.Minute
	p.set, p.excl, p.exclFrom = 0, nil, ""
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", *p, *want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
		key  string
		msg  string // a part of the message
	}{
		// Unknown keys, with a suggestion when one is close.
		{"unknown", "WarnUser: true\nFrobnicate: 1\n", 2, "Frobnicate", "unknown key"},
		{"unknown case", "maxprofilesize: 500\n", 1, "maxprofilesize", "did you mean MaxProfileSize?"},
		{"unknown typo", "\n\nWarnUserTimout: 5\n", 3, "WarnUserTimout", "did you mean WarnUserTimeout?"},
		{"unknown far", "Colour: blue\n", 1, "Colour", "unknown key"},
		{"unknown merge key", "base: &b {WarnUser: true}\n", 1, "base", "unknown key"},
		{"non-scalar key", "[WarnUser]: true\n", 1, "", "keys must be names"},
		// Wrong types.
		{"string for bool", "WarnUser: yes\n", 1, "WarnUser", `expected true or false (or 1/0), got the string "yes"`},
		{"2 for bool", "ReadOnlyProfile: 2\n", 1, "ReadOnlyProfile", "expected true or false"},
		{"null for bool", "ConflictCopies:\n", 1, "ConflictCopies", "got nothing"},
		{"abc for int", "MaxProfileSize: abc\n", 1, "MaxProfileSize", `expected an integer, got the string "abc"`},
		{"float for int", "WarnUserTimeout: 1.5\n", 1, "WarnUserTimeout", "expected an integer, got the number 1.5"},
		{"quoted int", "MassDeletePercent: '50'\n", 1, "MassDeletePercent", "expected an integer"},
		{"list for string", "ProfileQuotaMessage:\n  - a\n  - b\n", 2, "ProfileQuotaMessage", "expected a string, got a list"},
		{"map for string", "MachineProfilePath: {a: b}\n", 1, "MachineProfilePath", "expected a string, got a mapping"},
		{"string for list", "HiveFiles: NTUSER.DAT\n", 1, "HiveFiles", "expected a list of file names"},
		{"list in list", "HiveFiles:\n  - NTUSER.DAT\n  - [a]\n", 3, "HiveFiles", "expected a file name, got a list"},
		{"bad duration", "HiveUploadEvery: 2\n", 1, "HiveUploadEvery", "expected a duration"},
		{"word duration", "HiveUploadJitter: soon\n", 1, "HiveUploadJitter", "expected a duration"},
		{"zero fetch timeout", "PSFetchTimeout: 0s\n", 1, "PSFetchTimeout", "out of range"},
		{"zero write-back interval", "PSMidSessionWriteBackInterval: 0s\n", 1, "PSMidSessionWriteBackInterval", "out of range"},
		{"negative cache size", "PSAlwaysCacheSize: -1\n", 1, "PSAlwaysCacheSize", "out of range"},
		{"merge mode type", "MergeMode: [merge]\n", 1, "MergeMode", "expected merge or mirror"},
		// Out of range.
		{"size low", "\n\nMaxProfileSize: 10\n", 3, "MaxProfileSize", "10 is out of range (allowed 300–30000000 KB)"},
		{"size high", "MaxProfileSize: 30000001\n", 1, "MaxProfileSize", "out of range"},
		{"size overflow", "MaxProfileSize: 99999999999999999999\n", 1, "MaxProfileSize", "expected an integer"},
		{"timeout", "WarnUserTimeout: -1\n", 1, "WarnUserTimeout", "allowed 0–1440 minutes"},
		{"method", "UploadHiveMethod: 3\n", 1, "UploadHiveMethod", "allowed 0 off, 1 interval, 2 time of day"},
		{"interval", "UploadHiveInterval: 0\n", 1, "UploadHiveInterval", "allowed 1–720 hours"},
		{"time", "UploadHiveTime: 24\n", 1, "UploadHiveTime", "allowed 0–23"},
		{"percent", "MassDeletePercent: 0\n", 1, "MassDeletePercent", "allowed 1–100"},
		{"logon wait", "NPLogonTimeout: 601\n", 1, "NPLogonTimeout", "allowed 0–600 seconds"},
		{"every zero", "HiveUploadEvery: 0s\n", 1, "HiveUploadEvery", "greater than 0"},
		{"jitter negative", "HiveUploadJitter: -1m\n", 1, "HiveUploadJitter", "0 or more"},
		{"merge mode", "MergeMode: Mirror\n", 1, "MergeMode", "allowed: merge or mirror"},
		{"no hives", "HiveFiles: []\n", 1, "HiveFiles", "empty"},
		{"hive slash", "HiveFiles:\n  - NTUSER.DAT\n  - Local/NTUSER.DAT\n", 3, "HiveFiles", "no / or \\"},
		{"hive backslash", `HiveFiles: ['a\b']`, 1, "HiveFiles", "no / or \\"},
		{"hive empty", `HiveFiles: [""]`, 1, "HiveFiles", "empty file name"},
		{"exclude drive", `ExcludeProfileDirs: 'C:\Users\x'`, 1, "ExcludeProfileDirs", "not relative"},
		{"exclude dotdot", `ExcludeProfileDirs: 'Documents;AppData\..\x'`, 1, "ExcludeProfileDirs", "not a folder name"},
		// Duplicates.
		{"duplicate", "WarnUser: true\nWarnUser: false\n", 2, "WarnUser", "duplicate key (first given on line 1)"},
		// The document itself.
		{"not a mapping", "- WarnUser\n", 1, "", "must be a mapping"},
		{"scalar document", "\nWarnUser\n", 2, "", "must be a mapping"},
		{"syntax", "WarnUser: true\nMaxProfileSize: [300\n", 2, "", "invalid YAML"},
		{"syntax key", "WarnUser: true\n- MaxProfileSize\n", 2, "", "invalid YAML"},
		{"syntax map", "WarnUser: true\n\nMaxProfileSize: {a: 1\n", 3, "", "invalid YAML"},
		{"syntax scanner", "WarnUser: true\nMaxProfileSize: 300: 2\n", 2, "", "invalid YAML"},
		{"syntax list", "WarnUser: true\nHiveFiles:\n  - a\n  b: 2\n", 3, "", "invalid YAML"},
		{"tab", "WarnUser: true\n\tMaxProfileSize: 300\n", 2, "", "invalid YAML"},
		{"two documents", "WarnUser: true\n---\nWarnUser: false\n", 2, "", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc), "policy.yaml")
			if err == nil {
				t.Fatalf("no error, got %+v", p)
			}
			if p != nil {
				t.Error("a policy returned with the error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a *Error", err)
			}
			if pe.Line != tt.line || pe.Key != tt.key || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got line %d key %q msg %q; want line %d key %q msg containing %q",
					pe.Line, pe.Key, pe.Msg, tt.line, tt.key, tt.msg)
			}
			prefix := "policy.yaml:" + strconv.Itoa(tt.line) + ": "
			if tt.key != "" {
				prefix += tt.key + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("message %q does not start with %q", err, prefix)
			}
		})
	}
}

// Every problem is reported, each with its own line, so one edit fixes them all.
func TestParseAllErrors(t *testing.T) {
	doc := "WarnUser: yes\nMaxProfileSize: 1\nNope: 1\nWarnUserTimeout: 5\n"
	_, err := Parse([]byte(doc), "p.yaml")
	want := []string{
		`p.yaml:1: WarnUser: expected true or false (or 1/0), got the string "yes"`,
		"p.yaml:2: MaxProfileSize: 1 is out of range (allowed 300–30000000 KB)",
		"p.yaml:3: Nope: unknown key",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got %v\nwant %s", err, strings.Join(want, "\n"))
	}
}
