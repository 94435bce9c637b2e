package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Policies: the Group Policy values of roaming profiles (and roamfs' own
// keys), given as a YAML file with --policy.

// TestPolicyFileErrors: an unknown key, a value of the wrong type or out of
// range is a configuration error: logon exits 2 naming the key and the line,
// nothing is mounted and neither the cache nor the server copy is created;
// `policy show` refuses the file the same way.
func TestPolicyFileErrors(t *testing.T) {
	cases := []struct {
		name, yaml, key string
		line            int
	}{
		{"unknown key", "EnableProfileQuota: true\nMaxProfileSiz: 300\n", "MaxProfileSiz", 2},
		{"unknown key differing in case", "# keys are the Windows value names\nwarnuser: true\n", "warnuser", 2},
		{"int of wrong type", "EnableProfileQuota: true\n\nMaxProfileSize: lots\n", "MaxProfileSize", 3},
		{"bool of wrong type", "WarnUser: maybe\n", "WarnUser", 1},
		{"list of wrong type", "MergeMode: merge\nHiveFiles: NTUSER.DAT\n", "HiveFiles", 2},
		{"duration of wrong type", "UploadHiveMethod: 1\nHiveUploadEvery: 5\n", "HiveUploadEvery", 2},
		{"size below range", "EnableProfileQuota: true\nMaxProfileSize: 10\n", "MaxProfileSize", 2},
		{"percent above range", "MassDeletePercent: 101\n", "MassDeletePercent", 1},
		{"hive method out of range", "UploadHiveMethod: 3\n", "UploadHiveMethod", 1},
		{"negative duration", "UploadHiveMethod: 1\nHiveUploadEvery: -1s\n", "HiveUploadEvery", 2},
		{"merge mode not allowed", "MergeMode: sync\n", "MergeMode", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMachine(t, newServer(t))
			m.setPolicy(c.yaml)
			where := fmt.Sprintf("policy.yaml:%d:", c.line)
			r := hpRun(t, hpLogonArgs(m)...)
			if r.code != 2 {
				t.Errorf("logon with a bad policy: exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, where) || !strings.Contains(r.stderr, c.key) {
				t.Errorf("logon's message %q does not name the key %s and the line (%s)", r.stderr, c.key, where)
			}
			if isMounted(m.mnt) {
				t.Errorf("%s is mounted after a refused logon", m.mnt)
			}
			for _, p := range []string{m.server, filepath.Join(m.cache, "profile")} {
				if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a logon refused for its policy created %s (lstat: %v)", p, err)
				}
			}
			r = hpRun(t, "policy", "show", "--policy", m.policy)
			if r.code != 2 || !strings.Contains(r.stderr, where) || !strings.Contains(r.stderr, c.key) {
				t.Errorf("policy show of the bad file: exit %d, stderr %q; want 2 naming %s at %s", r.code, r.stderr, c.key, where)
			}
		})
	}
}

// TestPolicyFileSeveralErrors: every error of a file is reported, each with
// its key and line; a policy file that does not exist is a configuration
// error too.
func TestPolicyFileSeveralErrors(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.setPolicy("EnableProfileQuota: true\nMaxProfileSize: 10\nWarnUser: maybe\nBogus: 1\n")
	r := hpRun(t, hpLogonArgs(m)...)
	if r.code != 2 {
		t.Errorf("logon: exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, w := range []string{"policy.yaml:2: MaxProfileSize", "policy.yaml:3: WarnUser", "policy.yaml:4: Bogus"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("logon's message lacks %q:\n%s", w, r.stderr)
		}
	}
	m.policy = filepath.Join(t.TempDir(), "missing.yaml")
	r = hpRun(t, hpLogonArgs(m)...)
	if r.code != 2 || !strings.Contains(r.stderr, "missing.yaml") {
		t.Errorf("logon with a missing policy file: exit %d, stderr %q; want 2 naming the file", r.code, r.stderr)
	}
	if isMounted(m.mnt) {
		t.Errorf("%s mounted after a refused logon", m.mnt)
	}
	if _, err := os.Lstat(m.server); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused logon created the server copy (lstat: %v)", err)
	}
}

// polKeys is the design's policy table, in its order.
var polKeys = []string{
	"ExcludeProfileDirs", "EnableProfileQuota", "MaxProfileSize", "IncludeRegInProQuota", "WarnUser",
	"WarnUserTimeout", "ProfileQuotaMessage", "DeleteRoamingCache", "ReadOnlyProfile", "CompatibleRUPSecurity",
	"UploadHiveMethod", "UploadHiveInterval", "UploadHiveTime", "MachineProfilePath", "HiveUploadEvery",
	"HiveUploadJitter", "HiveFiles", "MergeMode", "ConflictCopies", "CaseInsensitive", "MassDeletePercent",
	"PSEnabled", "PSAlwaysCache", "PSAlwaysCacheSize", "PSFetchTimeout",
	"NPLogonTimeout",
	"PSMidSessionWriteBack", "PSMidSessionWriteBackInterval", "PSMidSessionWriteBackReg",
}

type polShown struct{ origin, value string }

var polShowLine = regexp.MustCompile(`^(\S+)\s+(default|set)(?:\s+(.*))?$`)

// polShow runs `policy show` and returns every key's origin and value, in
// the printed order.
func polShow(t *testing.T, args ...string) ([]string, map[string]polShown) {
	t.Helper()
	out := must(t, append([]string{"policy", "show"}, args...)...)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "KEY") {
		t.Fatalf("policy show printed no header:\n%s", out)
	}
	var order []string
	shown := map[string]polShown{}
	for _, l := range lines[1:] {
		g := polShowLine.FindStringSubmatch(strings.TrimRight(l, " "))
		if g == nil {
			t.Errorf("policy show line %q is not KEY default|set VALUE", l)
			continue
		}
		order = append(order, g[1])
		shown[g[1]] = polShown{g[2], g[3]}
	}
	return order, shown
}

// TestPolicyShow: `policy show` prints every key of the design's table with
// its effective value, marked set when the file gives it (even at its
// default value) and default otherwise.
func TestPolicyShow(t *testing.T) {
	order, shown := polShow(t)
	if strings.Join(order, " ") != strings.Join(polKeys, " ") {
		t.Errorf("policy show lists\n\t%v\nwant the design's keys in order\n\t%v", order, polKeys)
	}
	for k, s := range shown {
		if s.origin != "default" {
			t.Errorf("without a policy file, %s is %s", k, s.origin)
		}
	}

	file := filepath.Join(t.TempDir(), "policy.yaml")
	yaml := "# site policy\n" +
		"EnableProfileQuota: true\n" +
		"MaxProfileSize: 400\n" +
		"ExcludeProfileDirs: 'Downloads;Music\\Old'\n" +
		"ConflictCopies: true # its default, given explicitly\n" +
		"HiveUploadEvery: 90s\n" +
		"HiveFiles: [NTUSER.DAT, UsrClass.dat]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	_, shown = polShow(t, "--policy", file)
	want := map[string]polShown{
		"EnableProfileQuota":   {"set", "true"},
		"MaxProfileSize":       {"set", "400"},
		"ExcludeProfileDirs":   {"set", `Downloads;Music\Old`},
		"ConflictCopies":       {"set", "true"},
		"HiveFiles":            {"set", "[NTUSER.DAT, UsrClass.dat]"},
		"IncludeRegInProQuota": {"default", "false"},
		"WarnUserTimeout":      {"default", "15"},
		"UploadHiveMethod":     {"default", "0"},
		"UploadHiveInterval":   {"default", "12"},
		"MergeMode":            {"default", "merge"},
		"CaseInsensitive":      {"default", "true"},
		"MassDeletePercent":    {"default", "50"},
		"DeleteRoamingCache":   {"default", "false"},
	}
	for k, w := range want {
		if g := shown[k]; g != w {
			t.Errorf("policy show %s: %s %q, want %s %q", k, g.origin, g.value, w.origin, w.value)
		}
	}
	if g := shown["HiveUploadEvery"]; g.origin != "set" || polDuration(g.value) != 90*time.Second {
		t.Errorf("policy show HiveUploadEvery: %s %q, want set 90s", g.origin, g.value)
	}
	if g := shown["HiveUploadJitter"]; g.origin != "default" || polDuration(g.value) != time.Hour {
		t.Errorf("policy show HiveUploadJitter: %s %q, want default 1h", g.origin, g.value)
	}
	if g := shown["ProfileQuotaMessage"]; g.origin != "default" || !strings.Contains(g.value, "exceeded your profile storage space") {
		t.Errorf("policy show ProfileQuotaMessage: %s %q, want default with Windows' text", g.origin, g.value)
	}
	for _, k := range polKeys {
		if _, ok := shown[k]; !ok {
			t.Errorf("policy show with a file leaves out %s", k)
		}
	}
}

func polDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		return -1
	}
	return d
}

// TestPolicyExcludeProfileDirs: folders listed in ExcludeProfileDirs (with \
// or /, case-insensitive), Temp at the profile root and "Temporary Internet
// Files" anywhere are served by the mount but never journaled nor uploaded;
// a folder merely starting with an excluded name still roams.
func TestPolicyExcludeProfileDirs(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.setPolicy("ExcludeProfileDirs: 'Downloads;Music\\Old'\n")
	m.logon()
	excluded := map[string]string{
		"Downloads/setup.exe":                                      "installer",
		"Downloads/Sub/archive.zip":                                "zip",
		"Music/Old/song.mp3":                                       "old song",
		"Music/Old/Deep/more.mp3":                                  "older song",
		"Temp/scratch.txt":                                         "scratch",
		"Documents/Temporary Internet Files/page.htm":              "<html>",
		"AppData/Roaming/Vendor/Temporary Internet Files/x.dat":    "cache",
		"Favorites/Links/temporary internet files/lower-case.html": "cache",
	}
	roaming := map[string]string{
		"Music/New/song.mp3":       "new song",
		"Music/Older/x.mp3":        "a folder that only starts like Old",
		"Music/Old.txt":            "a file named like the folder",
		"Documents/Temp/keep.txt":  "Temp below the root roams",
		"Documents/report.txt":     "report",
		"Desktop/Downloads/link.x": "Downloads below the root roams",
	}
	for rel, c := range excluded {
		hpWriteFile(t, m.p(rel), []byte(c))
	}
	for rel, c := range roaming {
		hpWriteFile(t, m.p(rel), []byte(c))
	}
	for rel, c := range excluded {
		if why := hpFileIs(m.p(rel), []byte(c)); why != "" {
			t.Errorf("excluded %s through the mount: %s", rel, why)
		}
	}
	isExcluded := func(p string) bool {
		l := strings.ToLower(p)
		for _, f := range []string{"downloads", "music/old", "temp"} {
			if l == f || strings.HasPrefix(l, f+"/") {
				return true
			}
		}
		return strings.Contains("/"+l+"/", "/temporary internet files/")
	}
	pending := m.journal(false)
	for _, e := range pending {
		if isExcluded(e.Path) || isExcluded(e.OldPath) {
			t.Errorf("journal record %d %s of excluded %s", e.Seq, e.Op, e.Path)
		}
	}
	for rel := range roaming {
		if lastFor(pending, rel) == nil {
			t.Errorf("no journal record for roaming %s", rel)
		}
	}
	st := hpStatusOf(t, m.cache)
	if st.ProfileSizeKB == nil || st.MaxProfileSizeKB != nil {
		t.Errorf("status without a quota: ProfileSizeKB=%v MaxProfileSizeKB=%v; want a size and no limit", st.ProfileSizeKB, st.MaxProfileSizeKB)
	}

	m.logoff()
	for p := range snapshot(t, m.server, serverSkip) {
		if isExcluded(p) {
			t.Errorf("the server holds excluded %s", p)
		}
	}
	for rel, c := range roaming {
		if why := hpFileIs(filepath.Join(m.server, rel), []byte(c)); why != "" {
			t.Errorf("server %s: %s", rel, why)
		}
	}
	for _, e := range m.journal(true) {
		if isExcluded(e.Path) || isExcluded(e.OldPath) {
			t.Errorf("journal --all record %d %s of excluded %s", e.Seq, e.Op, e.Path)
		}
	}
	// This machine keeps its excluded files.
	m.logon()
	for rel, c := range excluded {
		if why := hpFileIs(m.p(rel), []byte(c)); why != "" {
			t.Errorf("after logging on again, excluded %s: %s", rel, why)
		}
	}
	// Moving a file out of the roaming part deletes it from the server;
	// moving one in uploads it.
	if err := os.Rename(m.p("Documents/report.txt"), m.p("Downloads/report.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(m.p("Downloads/setup.exe"), m.p("Documents/setup.exe")); err != nil {
		t.Fatal(err)
	}
	m.logoff()
	if _, err := os.Lstat(filepath.Join(m.server, "Documents/report.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server Documents/report.txt after it was moved into excluded Downloads: lstat %v, want it gone", err)
	}
	if why := hpFileIs(filepath.Join(m.server, "Documents/setup.exe"), []byte("installer")); why != "" {
		t.Errorf("server Documents/setup.exe after it was moved out of excluded Downloads: %s", why)
	}
	for p := range snapshot(t, m.server, serverSkip) {
		if isExcluded(p) {
			t.Errorf("the server holds excluded %s", p)
		}
	}
}

// TestPolicyExclusionAddedLater: excluding a folder that already roams stops
// it roaming; nothing of it is deleted from the server, whatever this
// machine does to it, and a new machine does not download it.
func TestPolicyExclusionAddedLater(t *testing.T) {
	server := newServer(t)
	m := newMachine(t, server)
	m.logon()
	files := map[string]string{
		"Pictures/Vacation/a.jpg": "beach",
		"Pictures/Vacation/b.jpg": "hotel",
		"Pictures/keep.jpg":       "portrait",
		"Downloads/old.iso":       "iso",
	}
	for rel, c := range files {
		hpWriteFile(t, m.p(rel), []byte(c))
	}
	m.logoff()
	for rel, c := range files {
		if why := hpFileIs(filepath.Join(server, rel), []byte(c)); why != "" {
			t.Fatalf("server %s before the exclusion: %s", rel, why)
		}
	}
	before := snapshot(t, server, serverSkip)

	m.setPolicy("ExcludeProfileDirs: 'Pictures\\Vacation; Downloads'\n")
	m.logon()
	if why := hpFileIs(m.p("Pictures/Vacation/a.jpg"), []byte("beach")); why != "" {
		t.Errorf("the cached copy of a newly excluded folder: %s", why)
	}
	if err := os.Remove(m.p("Pictures/Vacation/a.jpg")); err != nil {
		t.Fatal(err)
	}
	hpWriteFile(t, m.p("Pictures/Vacation/b.jpg"), []byte("edited"))
	hpWriteFile(t, m.p("Pictures/Vacation/c.jpg"), []byte("new"))
	if err := os.RemoveAll(m.p("Downloads")); err != nil {
		t.Fatal(err)
	}
	hpWriteFile(t, m.p("Pictures/keep.jpg"), []byte("retouched"))
	m.logoff()

	after := snapshot(t, server, serverSkip)
	for _, p := range before.paths() {
		if strings.HasPrefix(p, "Pictures/Vacation") || strings.HasPrefix(p, "Downloads") {
			if g, ok := after[p]; !ok {
				t.Errorf("server lost %s after it was excluded", p)
			} else if why := sameContent(g, before[p]); why != "" {
				t.Errorf("server %s changed (%s) after it was excluded", p, why)
			}
		}
	}
	if _, ok := after["Pictures/Vacation/c.jpg"]; ok {
		t.Errorf("a file created in the excluded folder reached the server")
	}
	if why := hpFileIs(filepath.Join(server, "Pictures/keep.jpg"), []byte("retouched")); why != "" {
		t.Errorf("server Pictures/keep.jpg (still roaming): %s", why)
	}

	n := newMachine(t, server)
	n.setPolicy("ExcludeProfileDirs: 'Pictures\\Vacation; Downloads'\n")
	n.logon()
	for _, rel := range []string{"Pictures/Vacation/a.jpg", "Pictures/Vacation/b.jpg", "Downloads/old.iso"} {
		if _, err := os.Lstat(n.p(rel)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a new machine downloaded excluded %s (lstat: %v)", rel, err)
		}
	}
	if why := hpFileIs(n.p("Pictures/keep.jpg"), []byte("retouched")); why != "" {
		t.Errorf("new machine Pictures/keep.jpg: %s", why)
	}
	n.logoff()
	for _, rel := range []string{"Pictures/Vacation/a.jpg", "Pictures/Vacation/b.jpg", "Downloads/old.iso"} {
		if why := hpFileIs(filepath.Join(server, rel), []byte(files[rel])); why != "" {
			t.Errorf("server %s after the new machine's logoff: %s", rel, why)
		}
	}

	// Deleting the roaming folder that holds the excluded one deletes its
	// roaming files on the server, never the excluded ones.
	n.logon()
	if err := os.RemoveAll(n.p("Pictures")); err != nil {
		t.Fatal(err)
	}
	n.logoff()
	if _, err := os.Lstat(filepath.Join(server, "Pictures/keep.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server Pictures/keep.jpg after Pictures was deleted: lstat %v, want it gone", err)
	}
	for _, rel := range []string{"Pictures/Vacation/a.jpg", "Pictures/Vacation/b.jpg"} {
		if why := hpFileIs(filepath.Join(server, rel), []byte(files[rel])); why != "" {
			t.Errorf("server %s after its roaming parent was deleted: %s", rel, why)
		}
	}
}

const polQuotaMessage = "Your profile is too big: move some files to the file server before you log off."

// TestPolicyQuota: a profile over MaxProfileSize cannot log off: exit 3, the
// mount stays, nothing is synced, and the output shows the message, the
// size against the limit and the files of 2 KB and more, largest first.
// Nonroaming folders (built in or excluded by policy) and, by default, the
// hive do not count. Once the big
// file is gone the logoff goes through.
func TestPolicyQuota(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.setPolicy("EnableProfileQuota: true\nMaxProfileSize: 300\nExcludeProfileDirs: Downloads\n" +
		"ProfileQuotaMessage: \"" + polQuotaMessage + "\"\n")
	m.logon()
	session := hpStatusOf(t, m.cache).Session
	big := bytes.Repeat([]byte("B"), 400<<10)
	hpWriteFile(t, m.p("Documents/big.bin"), big)
	hpWriteFile(t, m.p("Documents/mid.bin"), bytes.Repeat([]byte("M"), 3000))
	hpWriteFile(t, m.p("Documents/small.txt"), bytes.Repeat([]byte("s"), 1000))
	hpWriteFile(t, m.p("Desktop/tiny.txt"), []byte("tiny"))
	hpWriteFile(t, m.p("Documents/two-kb.bin"), bytes.Repeat([]byte("2"), 2048))
	hpWriteFile(t, m.p("Documents/under-two-kb.bin"), bytes.Repeat([]byte("1"), 2047))
	hpWriteFile(t, m.p("AppData/Local/Vendor/cache.bin"), bytes.Repeat([]byte("L"), 1<<20))
	hpWriteFile(t, m.p("Downloads/excluded.iso"), bytes.Repeat([]byte("X"), 1<<20))
	hpWriteFile(t, m.p("NTUSER.DAT"), bytes.Repeat([]byte("R"), 200<<10))

	wantKB := int64((400<<10 + 3000 + 1000 + 4 + 2048 + 2047 + 1023) / 1024) // 408
	st := hpStatusOf(t, m.cache)
	if st.ProfileSizeKB == nil || *st.ProfileSizeKB != wantKB || st.MaxProfileSizeKB == nil || *st.MaxProfileSizeKB != 300 {
		t.Errorf("status: ProfileSizeKB=%v MaxProfileSizeKB=%v; want %d and 300", polPtr(st.ProfileSizeKB), polPtr(st.MaxProfileSizeKB), wantKB)
	}

	r := hpRun(t, "logoff", m.mnt)
	out := r.stdout + r.stderr
	if r.code != 3 {
		t.Errorf("logoff over the quota: exit %d, want 3\n%s", r.code, out)
	}
	if !strings.Contains(out, polQuotaMessage) {
		t.Errorf("logoff output lacks the ProfileQuotaMessage:\n%s", out)
	}
	if !strings.Contains(out, fmt.Sprintf("%d KB", wantKB)) || !strings.Contains(out, "300 KB") {
		t.Errorf("logoff output lacks the size (%d KB) against the limit (300 KB):\n%s", wantKB, out)
	}
	iBig, iMid := strings.Index(out, "Documents/big.bin"), strings.Index(out, "Documents/mid.bin")
	iTwo := strings.Index(out, "Documents/two-kb.bin")
	if iBig < 0 || iMid < 0 || iTwo < 0 || iBig > iMid || iMid > iTwo {
		t.Errorf("logoff output does not list big.bin, mid.bin, two-kb.bin, largest first:\n%s", out)
	}
	for _, small := range []string{"small.txt", "tiny.txt", "under-two-kb.bin", "cache.bin", "excluded.iso", "NTUSER.DAT"} {
		if strings.Contains(out, small) {
			t.Errorf("logoff output lists %s (under 2 KB, nonroaming or the hive):\n%s", small, out)
		}
	}
	if !isMounted(m.mnt) {
		t.Fatalf("the mount went away with a logoff refused for size")
	}
	if why := hpFileIs(m.p("Documents/big.bin"), big); why != "" {
		t.Errorf("Documents/big.bin through the mount after the refused logoff: %s", why)
	}
	for _, rel := range []string{"Documents/big.bin", "Documents/mid.bin", "Documents/small.txt", "Desktop/tiny.txt"} {
		if _, err := os.Lstat(filepath.Join(m.server, rel)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused logoff synced %s (lstat: %v)", rel, err)
		}
	}
	if st := hpStatusOf(t, m.cache); !st.Loaded || st.PendingChanges == 0 || st.LastUploadTime != nil {
		t.Errorf("status after the refused logoff: Loaded=%v PendingChanges=%d LastUploadTime=%v; want true, >0, null",
			st.Loaded, st.PendingChanges, st.LastUploadTime)
	}
	if len(hpWithID(hpEvents(t, m.cache), 1708, session)) == 0 {
		t.Errorf("no over-quota event 1708 logged for the refused logoff")
	}

	if err := os.Remove(m.p("Documents/big.bin")); err != nil {
		t.Fatal(err)
	}
	m.logoff()
	for rel, size := range map[string]int{"Documents/mid.bin": 3000, "Documents/small.txt": 1000, "Desktop/tiny.txt": 4} {
		if fi, err := os.Stat(filepath.Join(m.server, rel)); err != nil || fi.Size() != int64(size) {
			t.Errorf("server %s after the accepted logoff: %v", rel, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(m.server, "Documents/big.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted big.bin reached the server (lstat: %v)", err)
	}
}

func polPtr(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestPolicyQuotaRegistry: IncludeRegInProQuota decides whether NTUSER.DAT
// counts towards the limit.
func TestPolicyQuotaRegistry(t *testing.T) {
	for _, counted := range []bool{true, false} {
		t.Run(fmt.Sprintf("IncludeRegInProQuota=%v", counted), func(t *testing.T) {
			m := newMachine(t, newServer(t))
			m.setPolicy(fmt.Sprintf("EnableProfileQuota: true\nMaxProfileSize: 300\nIncludeRegInProQuota: %v\n", counted))
			m.logon()
			hive := bytes.Repeat([]byte("H"), 350<<10)
			hpWriteFile(t, m.p("NTUSER.DAT"), hive)
			st := hpStatusOf(t, m.cache)
			wantKB := int64(0)
			if counted {
				wantKB = 350
			}
			if st.ProfileSizeKB == nil || *st.ProfileSizeKB != wantKB {
				t.Errorf("ProfileSizeKB = %s with a 350 KB hive, want %d", polPtr(st.ProfileSizeKB), wantKB)
			}
			srvHive := filepath.Join(m.server, "NTUSER.DAT")
			if !counted {
				m.logoff()
				if why := hpFileIs(srvHive, hive); why != "" {
					t.Errorf("server NTUSER.DAT: %s", why)
				}
				return
			}
			r := hpRun(t, "logoff", m.mnt)
			if r.code != 3 || !strings.Contains(r.stdout+r.stderr, "NTUSER.DAT") {
				t.Errorf("logoff with a 350 KB hive counted against 300 KB: exit %d, want 3 listing NTUSER.DAT\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !isMounted(m.mnt) {
				t.Fatalf("the mount went away with a logoff refused for size")
			}
			small := bytes.Repeat([]byte("h"), 16<<10)
			hpWriteFile(t, m.p("NTUSER.DAT"), small)
			m.logoff()
			if why := hpFileIs(srvHive, small); why != "" {
				t.Errorf("server NTUSER.DAT: %s", why)
			}
		})
	}
}

// TestPolicyQuotaWarnUser: with WarnUser, a profile already over its limit at
// logon gets the over-quota event (1708) during the session.
func TestPolicyQuotaWarnUser(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	hpWriteFile(t, m.p("Documents/big.bin"), bytes.Repeat([]byte("B"), 400<<10))
	m.logoff()

	m.setPolicy("EnableProfileQuota: true\nMaxProfileSize: 300\nWarnUser: true\nWarnUserTimeout: 1\nProfileQuotaMessage: \"" + polQuotaMessage + "\"\n")
	m.logon()
	session := hpStatusOf(t, m.cache).Session
	var warned []hpEvent
	hpWaitFor(20*time.Second, func() bool {
		warned = hpWithID(hpEvents(t, m.cache), 1708, session)
		return len(warned) > 0
	})
	if len(warned) == 0 {
		t.Errorf("no over-quota event 1708 logged during a session that started over the limit:\n%s", hpDumpEvents(hpEvents(t, m.cache)))
	} else if !strings.Contains(warned[0].raw, polQuotaMessage) {
		t.Logf("the warning does not carry the ProfileQuotaMessage: %s", warned[0].raw)
	}
	if err := os.Remove(m.p("Documents/big.bin")); err != nil {
		t.Fatal(err)
	}
	m.logoff()
}

// TestPolicyUser: logon --user serves the profile on behalf of that user:
// files created through the mount are theirs, and other users cannot look
// in.
func TestPolicyUser(t *testing.T) {
	owner := hpAccount(t, "rftest")
	other := hpAccount(t, "rfother")
	m := newMachine(t, newServer(t))
	hpOpenToOthers(t, m.mnt)
	hpLogonAs(m, "--user", owner.Name)

	if uid, _ := polOwner(t, m.server); uid != owner.UID {
		t.Errorf("the new server folder belongs to uid %d, want %s (%d)", uid, owner.Name, owner.UID)
	}
	if uid, _ := polOwner(t, m.mnt); uid != owner.UID {
		t.Errorf("the mount's root belongs to uid %d, want %s (%d)", uid, owner.Name, owner.UID)
	}
	doc := m.p("Documents/sub/mine.txt")
	out, err := owner.run("mkdir " + hpQuote(m.p("Documents/sub")) + " && echo hello > " + hpQuote(doc) + " && cat " + hpQuote(doc))
	if err != nil || out != "hello\n" {
		t.Fatalf("as %s: create and read a file in the mount: %v: %s", owner.Name, err, out)
	}
	for _, p := range []string{m.p("Documents/sub"), doc, m.p("Desktop"), m.p("AppData/Local"), m.p("NTUSER.DAT")} {
		if uid, gid := polOwner(t, p); uid != owner.UID || gid != owner.GID {
			t.Errorf("%s belongs to %d:%d, want %s's %d:%d", p, uid, gid, owner.Name, owner.UID, owner.GID)
		}
	}
	if out, err := owner.run("echo settings >> " + hpQuote(m.p("NTUSER.DAT"))); err != nil {
		t.Errorf("as %s: write the registry hive: %v: %s", owner.Name, err, out)
	}
	for _, script := range []string{"cat " + hpQuote(doc), "ls " + hpQuote(m.mnt), "touch " + hpQuote(m.p("intruder.txt"))} {
		out, err := other.run(script)
		if err == nil || !strings.Contains(out, "ermission denied") {
			t.Errorf("as %s: %s: %v %q; want permission denied", other.Name, script, err, out)
		}
	}
	m.logoff()
	if why := hpFileIs(filepath.Join(m.server, "Documents/sub/mine.txt"), []byte("hello\n")); why != "" {
		t.Errorf("server Documents/sub/mine.txt: %s", why)
	}
}

func polOwner(t *testing.T, p string) (int, int) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid)
}

// TestPolicyServerOwnerCheck: a server folder that belongs to somebody else
// (neither the user nor an administrator) is refused at logon, with exit 2
// and nothing copied, unless CompatibleRUPSecurity turns the check off.
func TestPolicyServerOwnerCheck(t *testing.T) {
	owner := hpAccount(t, "rftest")
	third := hpAccount(t, "rfthird")
	server := newServer(t)
	hpWriteFile(t, filepath.Join(server, "Documents", "secret.txt"), []byte("not yours"))
	if err := os.Chown(server, third.UID, third.GID); err != nil {
		t.Fatal(err)
	}

	m := newMachine(t, server)
	r := hpRun(t, hpLogonArgs(m, "--user", owner.Name)...)
	if r.code != 2 {
		t.Errorf("logon to a server folder of %s: exit %d, want 2\nstdout: %s\nstderr: %s", third.Name, r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, third.Name) {
		t.Errorf("the refusal %q does not say who owns the server folder (%s)", r.stderr, third.Name)
	}
	if isMounted(m.mnt) {
		t.Errorf("%s mounted after the ownership check failed", m.mnt)
	}
	if ents, err := os.ReadDir(filepath.Join(m.cache, "profile")); err == nil && len(ents) > 0 {
		t.Errorf("the refused logon copied %d entries into the cache", len(ents))
	}

	m.setPolicy("CompatibleRUPSecurity: true\n")
	hpOpenToOthers(t, m.mnt)
	hpLogonAs(m, "--user", owner.Name)
	secret := m.p("Documents/secret.txt")
	if why := hpFileIs(secret, []byte("not yours")); why != "" {
		t.Errorf("with CompatibleRUPSecurity, Documents/secret.txt: %s", why)
	}
	// What logon brings into the cache is the profile user's.
	if uid, gid := polOwner(t, secret); uid != owner.UID || gid != owner.GID {
		t.Errorf("downloaded Documents/secret.txt belongs to %d:%d in the mount, want %s (%d:%d)", uid, gid, owner.Name, owner.UID, owner.GID)
	}
	if out, err := owner.run("cat " + hpQuote(secret)); err != nil || out != "not yours" {
		t.Errorf("as %s: cat Documents/secret.txt: %v %q", owner.Name, err, out)
	}
	m.logoff()
}

// TestPolicyServerOwnedByUser: the user's own server folder, and one that
// belongs to root (an administrator), pass the ownership check.
func TestPolicyServerOwnedByUser(t *testing.T) {
	owner := hpAccount(t, "rftest")
	server := newServer(t)
	hpWriteFile(t, filepath.Join(server, "Documents", "mine.txt"), []byte("mine"))
	m := newMachine(t, server)
	hpLogonAs(m, "--user", owner.Name) // root's folder
	m.logoff()
	if err := os.Chown(server, owner.UID, owner.GID); err != nil {
		t.Fatal(err)
	}
	hpLogonAs(m, "--user", owner.Name)
	if why := hpFileIs(m.p("Documents/mine.txt"), []byte("mine")); why != "" {
		t.Errorf("Documents/mine.txt: %s", why)
	}
	m.logoff()
}

// TestPolicyReadOnlyProfile: with ReadOnlyProfile, the session changes what
// it likes, the logoff succeeds and says the changes were discarded, the
// server is untouched, and the next logon shows the server's profile.
func TestPolicyReadOnlyProfile(t *testing.T) {
	server := newServer(t)
	m := newMachine(t, server)
	m.logon()
	hpWriteFile(t, m.p("Documents/a.txt"), []byte("v1"))
	hpWriteFile(t, m.p("Documents/c.txt"), []byte("keep me"))
	m.logoff()
	want := snapshot(t, server, nil)

	m.setPolicy("ReadOnlyProfile: true\n")
	m.logon()
	session := hpStatusOf(t, m.cache).Session
	hpWriteFile(t, m.p("Documents/a.txt"), []byte("v2"))
	hpWriteFile(t, m.p("Documents/b.txt"), []byte("new"))
	hpWriteFile(t, m.p("NTUSER.DAT"), bytes.Repeat([]byte("r"), 12<<10))
	if err := os.Remove(m.p("Documents/c.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(m.p("Documents/folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	if why := hpFileIs(m.p("Documents/a.txt"), []byte("v2")); why != "" {
		t.Errorf("Documents/a.txt through the mount of a read-only profile: %s", why)
	}

	if out := must(t, "hive", "upload", "--cache", m.cache); strings.Contains(out, "uploaded") {
		t.Errorf("hive upload of a read-only profile printed %q", out)
	}
	r := hpLogoffOutcome(m)
	if r.code != 0 {
		t.Fatalf("logoff of a read-only profile: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if isMounted(m.mnt) {
		t.Fatalf("%s still mounted after logoff", m.mnt)
	}
	if !strings.Contains(strings.ToLower(r.stdout+r.stderr), "discard") {
		t.Errorf("logoff of a read-only profile printed %q: no line says the session's changes were discarded", r.stdout+r.stderr)
	}
	if len(hpWithID(hpEvents(t, m.cache), 1706, session)) == 0 {
		t.Errorf("no event 1706 (changes discarded) in the log")
	}
	requireSameTree(t, "server copy after a read-only session", snapshot(t, server, nil), want, hpSameWithTimes)

	m.logon()
	for rel, c := range map[string]string{"Documents/a.txt": "v1", "Documents/c.txt": "keep me"} {
		if why := hpFileIs(m.p(rel), []byte(c)); why != "" {
			t.Errorf("next logon: %s: %s; want the server's version", rel, why)
		}
	}
	if _, err := os.Lstat(m.p("Documents/b.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("next logon: the discarded Documents/b.txt is still there (lstat: %v)", err)
	}
	m.logoff()
	requireSameTree(t, "server copy after two read-only sessions", snapshot(t, server, nil), want, hpSameWithTimes)
}

// TestPolicyReadOnlyNewProfile: a read-only profile's first logon on an
// empty server still gets the default profile (in the cache only, the
// server is not written), as Windows gives a new user Default User.
func TestPolicyReadOnlyNewProfile(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.setPolicy("ReadOnlyProfile: true\n")
	m.logon()
	var missing []string
	for _, d := range append(defaultRoaming, "AppData/Local", "AppData/LocalLow", "NTUSER.DAT") {
		if _, err := os.Lstat(m.p(d)); err != nil {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		t.Errorf("a read-only new profile lacks the default profile's %v", missing)
	}
	hpWriteFile(t, m.p("Documents/note.txt"), []byte("note"))
	m.logoff()
	if files := snapshot(t, m.server, nil); len(files) > 0 {
		t.Errorf("a read-only profile wrote %d entries to the server: %v", len(files), files.paths())
	}
}

// TestPolicyDeleteRoamingCache: after a successful logoff the cached copy is
// deleted (the next logon fetches the profile again); after a failed one it
// is kept, with its unsynced changes, for `roamfs sync`.
func TestPolicyDeleteRoamingCache(t *testing.T) {
	server := newServer(t)
	m := newMachine(t, server)
	m.setPolicy("DeleteRoamingCache: true\n")
	m.logon()
	hpWriteFile(t, m.p("Documents/a.txt"), []byte("first"))
	m.logoff()
	if _, err := os.Lstat(filepath.Join(m.cache, "profile")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cached profile is still there after a successful logoff (lstat: %v)", err)
	}
	if why := hpFileIs(filepath.Join(server, "Documents/a.txt"), []byte("first")); why != "" {
		t.Errorf("server Documents/a.txt: %s", why)
	}
	if st := hpStatusOf(t, m.cache); st.LastUploadTime == nil {
		t.Errorf("the status of the deleted cache lost the last upload time")
	}

	m.logon()
	if why := hpFileIs(m.p("Documents/a.txt"), []byte("first")); why != "" {
		t.Fatalf("logon after the cache was deleted: Documents/a.txt: %s", why)
	}
	hpWriteFile(t, m.p("Documents/b.txt"), []byte("second"))
	// The server's Documents folder cannot be written (root ignores modes,
	// not the immutable flag): the logoff sync fails.
	docs := filepath.Join(server, "Documents")
	if out, err := exec.Command("chattr", "+i", docs).CombinedOutput(); err != nil {
		m.logoff()
		t.Skipf("chattr +i is not available here (%v: %s): only the successful logoff was tested", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", docs).Run() })
	r := hpRun(t, "logoff", m.mnt)
	if r.code != 1 {
		t.Errorf("logoff onto an unwritable server folder: exit %d, want 1\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !isMounted(m.mnt) {
		m.waitDaemon()
	}
	if why := hpFileIs(filepath.Join(m.cache, "profile", "Documents", "b.txt"), []byte("second")); why != "" {
		t.Errorf("after a failed logoff the cached copy must stay: Documents/b.txt: %s", why)
	}
	if out, err := exec.Command("chattr", "-i", docs).CombinedOutput(); err != nil {
		t.Fatalf("chattr -i: %v: %s", err, out)
	}
	if isMounted(m.mnt) {
		m.logoff()
	} else {
		if st := hpStatusOf(t, m.cache); st.PendingChanges == 0 {
			t.Errorf("the failed logoff left no pending changes")
		}
		must(t, "sync", "--cache", m.cache)
	}
	if why := hpFileIs(filepath.Join(server, "Documents/b.txt"), []byte("second")); why != "" {
		t.Errorf("server Documents/b.txt after the retry: %s", why)
	}
}

// TestPolicyMassDeleteGuard: a logoff that would delete more than
// MassDeletePercent of the server's files is held (exit 1, nothing deleted,
// the mount stays); --allow-mass-delete lets it through. A higher
// MassDeletePercent lets the same logoff through at once.
func TestPolicyMassDeleteGuard(t *testing.T) {
	t.Run("default", func(t *testing.T) { testMassDeleteGuard(t, "") })
	t.Run("MassDeletePercent=90", func(t *testing.T) { testMassDeleteGuard(t, "MassDeletePercent: 90\n") })
}

func testMassDeleteGuard(t *testing.T, pol string) {
	server := newServer(t)
	m := newMachine(t, server)
	if pol != "" {
		m.setPolicy(pol)
	}
	m.logon()
	for i := range 30 {
		hpWriteFile(t, m.p(fmt.Sprintf("Documents/file%02d.txt", i)), []byte(fmt.Sprintf("file %d", i)))
	}
	hpWriteFile(t, m.p("Desktop/stays.txt"), []byte("stays"))
	m.logoff()
	before := snapshot(t, server, serverSkip)

	m.logon()
	if err := os.RemoveAll(m.p("Documents")); err != nil {
		t.Fatal(err)
	}
	if pol != "" {
		// 31 of the server's entries (30 files and their folder) is about
		// 70%: under 90%.
		m.logoff()
		if _, err := os.Lstat(filepath.Join(server, "Documents")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("server Documents after the logoff: lstat %v, want it gone", err)
		}
		return
	}
	r := hpRun(t, "logoff", m.mnt)
	if r.code != 1 {
		t.Errorf("logoff deleting 30 of the server's %d entries: exit %d, want 1\nstdout: %s\nstderr: %s", len(before), r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "allow-mass-delete") {
		t.Errorf("the held logoff's message %q does not say how to let it through", r.stderr)
	}
	if !isMounted(m.mnt) {
		t.Fatalf("the mount went away with a held logoff")
	}
	requireSameTree(t, "server copy after the held logoff", snapshot(t, server, serverSkip), before, nil)
	if _, err := os.Lstat(m.p("Documents")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the mount shows Documents again after the held logoff (lstat: %v)", err)
	}

	r = hpLogoffOutcome(m, "--allow-mass-delete")
	if r.code != 0 {
		t.Fatalf("logoff --allow-mass-delete: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if isMounted(m.mnt) {
		t.Errorf("%s still mounted after logoff --allow-mass-delete", m.mnt)
	}
	if _, err := os.Lstat(filepath.Join(server, "Documents")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server Documents after logoff --allow-mass-delete: lstat %v, want it gone", err)
	}
	if why := hpFileIs(filepath.Join(server, "Desktop/stays.txt"), []byte("stays")); why != "" {
		t.Errorf("server Desktop/stays.txt: %s", why)
	}
}
