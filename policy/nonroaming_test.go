package policy

import "testing"

func TestNonroaming(t *testing.T) {
	custom, err := Parse([]byte(`ExcludeProfileDirs: ' Downloads ; Music\Old\ ;; \Pictures/Cache; '`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defaults := Default()
	tests := []struct {
		rel  string
		p    *Policy
		want bool
	}{
		{"", defaults, false}, // the profile root itself roams
		{"AppData", defaults, false},
		{"AppData/Local", defaults, true},
		{"AppData/Local/Microsoft/Windows/INetCache/x.dat", defaults, true},
		{"appdata/LOCAL/x", defaults, true},
		{"AppData/LocalLow", defaults, true},
		{"AppData/LocalLow/Sun/Java", defaults, true},
		{"AppData/Localx", defaults, false},
		{"AppData/Localx/y", defaults, false},
		{"AppData/Roaming", defaults, false},
		{"AppData/Roaming/Microsoft/Templates/Normal.dotm", defaults, false},
		{"Documents/AppData/Local", defaults, false}, // matched from the root only
		{"$Recycle.Bin", defaults, true},
		{"$RECYCLE.BIN/S-1-5-21/$R1.txt", defaults, true},
		{"Temp", defaults, true},
		{"temp/x.tmp", defaults, true},
		{"Templates", defaults, false},
		{"Documents/Temp", defaults, false},
		{"Documents/Temp/a", defaults, false},
		{"Temporary Internet Files", defaults, true},
		{"a/Temporary Internet Files/b", defaults, true},
		{"Local Settings/temporary internet files/Content.IE5/x", defaults, true},
		{"a/Temporary Internet Filesx/b", defaults, false},
		{"AppData//Local/x", defaults, true}, // tolerate doubled and trailing slashes
		{"AppData/Local/", defaults, true},
		{"Downloads", defaults, false},

		{"Downloads", custom, true},
		{"downloads/setup.exe", custom, true},
		{"Downloadsx", custom, false},
		{"Music", custom, false},
		{"Music/Old", custom, true},
		{"music/old/track.mp3", custom, true},
		{"Music/Older", custom, false},
		{"Music/New", custom, false},
		{"Pictures/Cache/a.jpg", custom, true},
		{"Pictures", custom, false},
		{"AppData/Local/x", custom, true}, // built-ins stay
		{"Temp", custom, true},
		{"", custom, false}, // empty entries do not exclude the root

		// The Windows name identity (internal/winname: NTFS's upper-case
		// table, not Unicode folding), the same as the mount's and the
		// merge's: ſ (long s) and İ (dotted I) have no pair there and stay
		// themselves; µ is not Μ; the Kelvin sign is not k.
		{"Muſic/Old", custom, false},
		{"MUSIC/OLD", custom, true},
		{"Downloads", withExclude(t, "İmages"), false},
		{"images", withExclude(t, "İmages"), false},
		{"İMAGES/x", withExclude(t, "İmages"), true},
		{"Keys", withExclude(t, "keys"), false},
		{"µ", withExclude(t, "Μ"), false},
		{"Σ/ς", withExclude(t, "σ/Σ"), true},
	}
	for _, tt := range tests {
		if got := tt.p.Nonroaming(tt.rel); got != tt.want {
			t.Errorf("Nonroaming(%q) with %q = %v, want %v", tt.rel, tt.p.ExcludeProfileDirs, got, tt.want)
		}
	}
}

// Temp and Temporary Internet Files cannot be made to roam; an empty or
// separator-only policy excludes nothing more.
func TestNonroamingPolicyCannotInclude(t *testing.T) {
	for _, dirs := range []string{"", ";", `\`, " ; / ; "} {
		p, err := Parse([]byte("ExcludeProfileDirs: '"+dirs+"'\n"), "p.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !p.Nonroaming("Temp") || !p.Nonroaming("x/Temporary Internet Files") || p.Nonroaming("Documents") {
			t.Errorf("ExcludeProfileDirs %q changed the fixed rules", dirs)
		}
	}
}

// A caller that edits ExcludeProfileDirs after building the Policy still gets
// the right answer.
func TestNonroamingEditedField(t *testing.T) {
	p := Default()
	p.ExcludeProfileDirs = "Videos"
	if !p.Nonroaming("Videos/a.mp4") || p.Nonroaming("Documents") {
		t.Error("edited ExcludeProfileDirs ignored")
	}
}

func TestNonroamingNoAlloc(t *testing.T) {
	p, err := Parse([]byte(`ExcludeProfileDirs: Downloads;Music\Old`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"", "Documents/report.docx", "AppData/Local/x", "Music/Old/a", "a/Temporary Internet Files/b"}
	allocs := testing.AllocsPerRun(100, func() {
		for _, rel := range paths {
			p.Nonroaming(rel)
			p.IsHive(rel)
		}
	})
	if allocs != 0 {
		t.Errorf("Nonroaming/IsHive allocate %v times per run", allocs)
	}
}

func TestIsHive(t *testing.T) {
	p, err := Parse([]byte("HiveFiles: [NTUSER.DAT, UsrClass.dat]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel  string
		p    *Policy
		want bool
	}{
		{"NTUSER.DAT", Default(), true},
		{"ntuser.dat", Default(), true},
		{"UsrClass.dat", Default(), false},
		{"NTUSER.DAT.LOG1", Default(), false},
		{"Documents/NTUSER.DAT", Default(), false},
		{"", Default(), false},
		{"usrclass.DAT", p, true},
		{"NTUSER.DAT", p, true},
	}
	for _, tt := range tests {
		if got := tt.p.IsHive(tt.rel); got != tt.want {
			t.Errorf("IsHive(%q) with %v = %v, want %v", tt.rel, tt.p.HiveFiles, got, tt.want)
		}
	}
}

func BenchmarkNonroaming(b *testing.B) {
	p, err := Parse([]byte(`ExcludeProfileDirs: Downloads;Music\Old;Videos`), "p.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Nonroaming("AppData/Roaming/Microsoft/Windows/Start Menu/Programs/x.lnk")
	}
}

// Nonroaming and IsHive run concurrently from FUSE handlers; -race checks
// that they only read.
func TestNonroamingConcurrent(t *testing.T) {
	p, err := Parse([]byte(`ExcludeProfileDirs: Downloads`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && p.Nonroaming("Downloads/x") && !p.Nonroaming("Documents/x") && p.IsHive("NTUSER.DAT")
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("wrong answer under concurrency")
		}
	}
}

func TestNonroamingBelow(t *testing.T) {
	p := Default()
	p.ExcludeProfileDirs = `Music\Old; Downloads`
	for rel, want := range map[string]bool{
		"":                true, // the profile root holds AppData/Local
		"AppData":         true,
		"appdata":         true, // names compare as Windows compares them
		"AppData/Roaming": false,
		"AppData/Local":   false, // nonroaming itself, nothing more below
		"Music":           true,
		"music/Old":       false,
		"Documents":       false,
		"Downloads":       false,
		"Desktop":         false,
	} {
		if got := p.NonroamingBelow(rel); got != want {
			t.Errorf("NonroamingBelow(%q) = %v, want %v", rel, got, want)
		}
	}
}

func withExclude(t *testing.T, dirs string) *Policy {
	t.Helper()
	p, err := Parse([]byte("ExcludeProfileDirs: '"+dirs+"'"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
