package policy

import (
	"errors"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// stringKeys are rendered as YAML strings when a Settings list is written back
// as a policy file; every other value is already YAML as Settings gives it.
var stringKeys = map[string]bool{
	"ExcludeProfileDirs": true, "ProfileQuotaMessage": true, "MachineProfilePath": true, "MergeMode": true,
}

// settingsYAML writes the explicitly set keys of p as a policy document.
func settingsYAML(t *testing.T, p *Policy) []byte {
	t.Helper()
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range p.Settings() {
		if !s.Set {
			continue
		}
		// Double-quoted: yaml.v3 writes a lone "\n" as a block scalar that it
		// then reads back as "" (found by this fuzzer), which is its quirk, not ours.
		v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Value, Style: yaml.DoubleQuotedStyle}
		if !stringKeys[s.Key] {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(s.Value), &doc); err != nil || len(doc.Content) != 1 {
				t.Fatalf("%s: Settings value %q is not YAML: %v", s.Key, s.Value, err)
			}
			v = doc.Content[0]
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s.Key}, v)
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatalf("marshal settings: %v", err)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"# nothing\n",
		"---\n",
		"WarnUser: true\n",
		"EnableProfileQuota: 1\nMaxProfileSize: 500000\nWarnUser: true\nWarnUserTimeout: 0\n",
		"ExcludeProfileDirs: 'Downloads;Music\\Old'\nProfileQuotaMessage: \"Tidy up\\n please\"\n",
		"MachineProfilePath: \\\\server\\profiles\\%USERNAME%\nReadOnlyProfile: true\nDeleteRoamingCache: 1\nCompatibleRUPSecurity: true\n",
		"UploadHiveMethod: 2\nUploadHiveInterval: 720\nUploadHiveTime: 23\nHiveUploadEvery: 1.5h\nHiveUploadJitter: 0\n",
		"HiveFiles: [NTUSER.DAT, UsrClass.dat, \"true\", \"a b\", \"\\u00e9t\\u00e9\"]\nMergeMode: mirror\n",
		"ConflictCopies: false\nCaseInsensitive: 0\nMassDeletePercent: 100\n",
		"MaxProfileSize: &s 0x1000\nWarnUserTimeout: *s\n",
		"maxprofilesize: 10\n",
		"MaxProfileSize: 10\nMaxProfileSize: abc\n",
		"WarnUser: yes\nHiveFiles: []\nHiveUploadEvery: 0s\n",
		"HiveFiles: [a/b]\nMergeMode: Mirror\n",
		"- a\n",
		"a: [\n",
		"a: 1\n---\nb: 2\n",
		"[a]: 1\n",
		"WarnUser: !!binary dHJ1ZQ==\n",
		"ProfileQuotaMessage: |\n  line one\n  line two\n",
		"ProfileQuotaMessage: |4+\n\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if p != nil {
				t.Fatal("policy returned with an error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *Error", err)
			}
			return
		}
		doc := settingsYAML(t, p)
		q, err := Parse(doc, "settings.yaml")
		if err != nil {
			t.Fatalf("reparse of\n%s\nfailed: %v", doc, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip through\n%s\nchanged the policy:\n%+v\n%+v", doc, *p, *q)
		}
	})
}
