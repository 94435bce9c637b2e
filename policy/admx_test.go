package policy

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Group Policy template for HKLM\Software\Policies\roamfs
// (contrib/windows/roamfs.admx and en-US/roamfs.adml) is generated from the
// table below, which must name every policy key: a new key fails this test
// until it is in the template. `go test ./policy -run ADMX -update-admx`
// writes the files.

var updateADMX = flag.Bool("update-admx", false, "rewrite contrib/windows/roamfs.admx and en-US/roamfs.adml")

const admxDir = "../contrib/windows"

type admxKind int

const (
	admxBool admxKind = iota
	admxDecimal
	admxText
	admxList
	admxEnum
)

type admxPolicy struct {
	kind    admxKind
	lo, hi  int64
	items   []string // enum values
	display string
	label   string // the field's label (not for booleans)
	explain string
}

var admxPolicies = map[string]admxPolicy{
	"ExcludeProfileDirs": {kind: admxText, display: "Exclude directories in roaming profile", label: "Folders (;-separated, relative to the profile):",
		explain: "Extra folders that do not roam, separated by semicolons and relative to the profile root. AppData\\Local, AppData\\LocalLow and $Recycle.Bin never roam."},
	"EnableProfileQuota":   {kind: admxBool, display: "Limit profile size", explain: "Turns the profile size limit on: a logoff over the limit is refused and the largest files are listed."},
	"MaxProfileSize":       {kind: admxDecimal, lo: 300, hi: 30000000, display: "Maximum profile size", label: "Size limit (KB):", explain: "The profile size limit in KB (300 to 30000000; default 30000)."},
	"IncludeRegInProQuota": {kind: admxBool, display: "Count the registry hive in the profile size", explain: "The hive (NTUSER.DAT) counts towards the size limit."},
	"WarnUser":             {kind: admxBool, display: "Warn the user when the profile is over its limit", explain: "Warns the user during the session when the profile is over its size limit."},
	"WarnUserTimeout":      {kind: admxDecimal, lo: 0, hi: 1440, display: "Interval between size warnings", label: "Minutes:", explain: "How often, in minutes, the size warning is repeated (0 to 1440; default 15)."},
	"ProfileQuotaMessage":  {kind: admxText, display: "Message when the profile is over its limit", label: "Message:", explain: "The text shown when a logoff is refused because the profile is over its size limit."},
	"DeleteRoamingCache":   {kind: admxBool, display: "Delete cached copies of roaming profiles", explain: "Deletes this machine's copy of the profile after a successful logoff."},
	"ReadOnlyProfile":      {kind: admxBool, display: "Prevent roaming profile changes from propagating to the server", explain: "Never writes to the server copy: changes stay on this machine."},
	"CompatibleRUPSecurity": {kind: admxBool, display: "Do not check for user ownership of roaming profile folders",
		explain: "Skips the check that the server folder belongs to the user or to Administrators."},
	"UploadHiveMethod": {kind: admxEnum, items: []string{"0", "1", "2"}, display: "Background upload of the registry hive", label: "Schedule:",
		explain: "When the hive is uploaded while the user is logged on: 0 never, 1 at an interval, 2 at a time of day."},
	"UploadHiveInterval": {kind: admxDecimal, lo: 1, hi: 720, display: "Hive upload interval", label: "Hours:", explain: "The interval of the background hive upload, in hours (1 to 720; default 12)."},
	"UploadHiveTime":     {kind: admxDecimal, lo: 0, hi: 23, display: "Hive upload time of day", label: "Hour (0-23):", explain: "The hour of the day of the background hive upload (0 to 23)."},
	"MachineProfilePath": {kind: admxText, display: "Set roaming profile path for all users logging onto this computer", label: "Path (%USERNAME% is expanded):",
		explain: "The server path of every user's profile on this machine, e.g. \\\\fs1\\profiles$\\%USERNAME%. Set here rather than in Windows' own policy of the same name, which would make Windows roam the profile as well."},
	"HiveUploadEvery":  {kind: admxText, display: "Hive upload interval as a duration", label: "Duration (e.g. 30m, 2h):", explain: "roamfs: the hive upload interval as a duration; overrides the interval in hours."},
	"HiveUploadJitter": {kind: admxText, display: "Bound of the random delay of hive uploads", label: "Duration (default 60m):", explain: "roamfs: the upper bound of the random delay added to each hive upload, as Windows adds one."},
	"HiveFiles":        {kind: admxList, display: "Files on the hive stream", label: "File names (one per line):", explain: "roamfs: the files at the profile root that travel whole on the hive stream (default NTUSER.DAT)."},
	"MergeMode": {kind: admxEnum, items: []string{"merge", "mirror"}, display: "Merge mode", label: "Mode:",
		explain: "roamfs: merge replays this machine's journal with three-way merge rules; mirror makes the server an exact copy of this machine (Windows NT 4.0's behaviour, which loses other machines' writes)."},
	"ConflictCopies":                {kind: admxBool, display: "Keep the loser of a conflict as a copy", explain: "roamfs: when two machines changed one file, the older version is kept beside it as a conflict copy."},
	"CaseInsensitive":               {kind: admxBool, display: "Compare names without case", explain: "roamfs: Desktop and desktop are one name, as on NTFS (the default)."},
	"MassDeletePercent":             {kind: admxDecimal, lo: 1, hi: 100, display: "Hold logoffs that delete much of the profile", label: "Percent:", explain: "roamfs: a logoff that would delete more than this share of the server's files is held (1 to 100; default 50)."},
	"PSEnabled":                     {kind: admxBool, display: "Enable streamed user profiles", explain: "roamfs (Citrix's name): the logon merges only which files exist and mounts at once; a file's data is fetched when it is first opened (default on)."},
	"PSAlwaysCache":                 {kind: admxBool, display: "Always cache", explain: "roamfs (Citrix's name): after a streamed logon, the rest of the profile is fetched in the background, hive first (default on)."},
	"PSAlwaysCacheSize":             {kind: admxDecimal, lo: 0, hi: 1 << 30, display: "Always cache: minimum file size", label: "MB:", explain: "roamfs: with Always cache, only files at least this large are fetched in the background (0 = all)."},
	"PSFetchTimeout":                {kind: admxText, display: "Wait for a file not yet local", label: "Duration (default 5s):", explain: "roamfs: how long an open of a file not yet fetched waits for the server before it fails (the fetch goes on)."},
	"PSMidSessionWriteBack":         {kind: admxBool, display: "Enable active write-back", explain: "roamfs (Citrix's name): during the session, changes are written back to the server at an interval and other machines' changes are merged in (default on)."},
	"PSMidSessionWriteBackInterval": {kind: admxText, display: "Active write-back interval", label: "Duration (default 5m):", explain: "roamfs: how often a session writes back and merges other machines' changes."},
	"PSMidSessionWriteBackReg":      {kind: admxBool, display: "Active write-back registry", explain: "roamfs (Citrix's name): the registry hive is written back too during the session (default off)."},
	"NPLogonTimeout": {kind: admxDecimal, lo: 0, hi: 600, display: "Time the logon waits for the profile", label: "Seconds:",
		explain: "roamfs: how long Windows' logon waits, through the roamfs network provider, for the service to prepare the profile (0 to 600 seconds; default 60). Past it the logon goes on and the service finishes in the background."},
}

// admxFiles renders the template.
func admxFiles(t *testing.T) (admx, adml []byte) {
	t.Helper()
	var pol, str, pres bytes.Buffer
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	for _, s := range Default().Settings() {
		k := s.Key
		p, ok := admxPolicies[k]
		if !ok {
			t.Fatalf("policy key %s is not in the ADMX table (policy/admx_test.go)", k)
		}
		attrs := fmt.Sprintf(`name="%s" class="Machine" displayName="$(string.%s)" explainText="$(string.%s_Help)" key="Software\Policies\roamfs"`, k, k, k)
		fmt.Fprintf(&str, "      <string id=\"%s\">%s</string>\n      <string id=\"%s_Help\">%s</string>\n", k, esc(p.display), k, esc(p.explain))
		head := "      <parentCategory ref=\"roamfs\" />\n      <supportedOn ref=\"SUPPORTED_roamfs\" />\n"
		if p.kind == admxBool {
			fmt.Fprintf(&pol, "    <policy %s valueName=\"%s\">\n%s      <enabledValue><decimal value=\"1\" /></enabledValue>\n      <disabledValue><decimal value=\"0\" /></disabledValue>\n    </policy>\n", attrs, k, head)
			continue
		}
		var el string
		switch p.kind {
		case admxDecimal:
			el = fmt.Sprintf(`<decimal id="%s" valueName="%s" minValue="%d" maxValue="%d" />`, k, k, p.lo, p.hi)
			fmt.Fprintf(&pres, "      <presentation id=\"%s\"><decimalTextBox refId=\"%s\" defaultValue=\"%s\">%s</decimalTextBox></presentation>\n", k, k, s.Value, esc(p.label))
		case admxText:
			el = fmt.Sprintf(`<text id="%s" valueName="%s" />`, k, k)
			fmt.Fprintf(&pres, "      <presentation id=\"%s\"><textBox refId=\"%s\"><label>%s</label></textBox></presentation>\n", k, k, esc(p.label))
		case admxList:
			el = fmt.Sprintf(`<multiText id="%s" valueName="%s" />`, k, k)
			fmt.Fprintf(&pres, "      <presentation id=\"%s\"><multiTextBox refId=\"%s\">%s</multiTextBox></presentation>\n", k, k, esc(p.label))
		case admxEnum:
			var items strings.Builder
			for _, v := range p.items {
				val := fmt.Sprintf("<string>%s</string>", v)
				if k == "UploadHiveMethod" {
					val = fmt.Sprintf(`<decimal value="%s" />`, v)
				}
				fmt.Fprintf(&items, `<item displayName="$(string.%s_%s)"><value>%s</value></item>`, k, v, val)
				fmt.Fprintf(&str, "      <string id=\"%s_%s\">%s</string>\n", k, v, v)
			}
			el = fmt.Sprintf(`<enum id="%s" valueName="%s">%s</enum>`, k, k, items.String())
			fmt.Fprintf(&pres, "      <presentation id=\"%s\"><dropdownList refId=\"%s\" noSort=\"true\">%s</dropdownList></presentation>\n", k, k, esc(p.label))
		}
		fmt.Fprintf(&pol, "    <policy %s presentation=\"$(presentation.%s)\">\n%s      <elements>%s</elements>\n    </policy>\n", attrs, k, head, el)
	}
	const ns = `xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions" revision="1.0" schemaVersion="1.0"`
	admx = []byte(`<?xml version="1.0" encoding="utf-8"?>
<!-- Generated by policy/admx_test.go (go test ./policy -run ADMX -update-admx); do not edit. -->
<policyDefinitions ` + ns + `>
  <policyNamespaces>
    <target prefix="roamfs" namespace="roamfs.Policies.roamfs" />
  </policyNamespaces>
  <resources minRequiredRevision="1.0" />
  <supportedOn>
    <definitions>
      <definition name="SUPPORTED_roamfs" displayName="$(string.SUPPORTED_roamfs)" />
    </definitions>
  </supportedOn>
  <categories>
    <category name="roamfs" displayName="$(string.roamfs)" explainText="$(string.roamfs_Help)" />
  </categories>
  <policies>
` + pol.String() + `  </policies>
</policyDefinitions>
`)
	adml = []byte(`<?xml version="1.0" encoding="utf-8"?>
<!-- Generated by policy/admx_test.go (go test ./policy -run ADMX -update-admx); do not edit. -->
<policyDefinitionResources ` + ns + `>
  <displayName>roamfs roaming profiles</displayName>
  <description>Settings of roamfs, which roams user profiles through a virtual file system.</description>
  <resources>
    <stringTable>
      <string id="roamfs">roamfs roaming profiles</string>
      <string id="roamfs_Help">Settings of the roamfs service, under HKLM\Software\Policies\roamfs. A value Windows' own policies also set (under Software\Policies\Microsoft\Windows\System) is taken from there first.</string>
      <string id="SUPPORTED_roamfs">Machines running the roamfs service</string>
` + str.String() + `    </stringTable>
    <presentationTable>
` + pres.String() + `    </presentationTable>
  </resources>
</policyDefinitionResources>
`)
	return admx, adml
}

func TestADMX(t *testing.T) {
	admx, adml := admxFiles(t)
	paths := []string{filepath.Join(admxDir, "roamfs.admx"), filepath.Join(admxDir, "en-US", "roamfs.adml")}
	if *updateADMX {
		for i, b := range [][]byte{admx, adml} {
			if err := os.WriteFile(paths[i], b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, want := range [][]byte{admx, adml} {
		got, err := os.ReadFile(paths[i])
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing (%v): go test ./policy -run ADMX -update-admx", paths[i], err)
		}
	}

	// Parsed as Group Policy reads them: every key a policy of the machine
	// class under Software\Policies\roamfs, every string and presentation
	// it refers to defined.
	var defs struct {
		Policies []struct {
			Name         string `xml:"name,attr"`
			Class        string `xml:"class,attr"`
			Key          string `xml:"key,attr"`
			ValueName    string `xml:"valueName,attr"`
			Display      string `xml:"displayName,attr"`
			Presentation string `xml:"presentation,attr"`
			Elements     struct {
				Any []struct {
					XMLName   xml.Name
					ValueName string `xml:"valueName,attr"`
				} `xml:",any"`
			} `xml:"elements"`
		} `xml:"policies>policy"`
	}
	if err := xml.Unmarshal(admx, &defs); err != nil {
		t.Fatalf("roamfs.admx: %v", err)
	}
	var res struct {
		Strings []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>stringTable>string"`
		Presentations []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>presentationTable>presentation"`
	}
	if err := xml.Unmarshal(adml, &res); err != nil {
		t.Fatalf("roamfs.adml: %v", err)
	}
	ids := map[string]bool{}
	for _, s := range res.Strings {
		ids["$(string."+s.ID+")"] = true
	}
	for _, p := range res.Presentations {
		ids["$(presentation."+p.ID+")"] = true
	}
	seen := map[string]bool{}
	for _, p := range defs.Policies {
		value := p.ValueName
		if len(p.Elements.Any) == 1 {
			value = p.Elements.Any[0].ValueName
		}
		if p.Class != "Machine" || p.Key != `Software\Policies\roamfs` || value != p.Name {
			t.Errorf("policy %s: class %s, key %s, value %q", p.Name, p.Class, p.Key, value)
		}
		for _, ref := range []string{p.Display, p.Presentation} {
			if ref != "" && !ids[ref] {
				t.Errorf("policy %s refers to %s, which roamfs.adml does not define", p.Name, ref)
			}
		}
		seen[value] = true
	}
	for _, s := range Default().Settings() {
		if !seen[s.Key] {
			t.Errorf("policy key %s is not in roamfs.admx", s.Key)
		}
	}
	if len(defs.Policies) != len(Default().Settings()) {
		t.Errorf("roamfs.admx has %d policies for %d keys", len(defs.Policies), len(Default().Settings()))
	}
}
