package winname

import (
	"strings"
	"testing"
)

// The cases where Unicode's folding, strings.ToLower and NTFS disagree, with
// NTFS's answer (see the package doc for where it comes from).
var identityCases = []struct {
	a, b string
	same bool
	why  string
}{
	{"Desktop", "desktop", true, "ASCII"},
	{"NTUSER.DAT", "ntuser.dat", true, "ASCII"},
	{"AppData/Local", "appdata/LOCAL", true, "a path, component by component"},
	{"a", "b", false, "different letters"},
	{"a", "aa", false, "different lengths"},
	{"Été", "éTÉ", true, "Latin-1 letters pair"},
	{"Ж", "ж", true, "Cyrillic"},
	{"ａ", "Ａ", true, "full-width Latin"},
	{"ſ", "s", false, "long s: not the lower case of S (EqualFold says equal)"},
	{"ſ", "S", false, "long s stays itself"},
	{"İ", "i", false, "dotted capital I is its own capital (ToLower says equal)"},
	{"İ", "I", false, "dotted and dotless capitals differ"},
	{"ı", "I", false, "dotless i: not the lower case of I"},
	{"ı", "i", false, "dotless and dotted small i differ"},
	{"ß", "ẞ", false, "capital sharp s is not sharp s's capital (ToLower says equal)"},
	{"ß", "ss", false, "no folding to several letters"},
	{"ς", "σ", true, "final sigma: the table's one exception (ToLower says different)"},
	{"ς", "Σ", true, "final sigma upper-cases to Σ"},
	{"σ", "Σ", true, "sigma"},
	{"\u212a", "k", false, "Kelvin sign is its own capital (EqualFold and ToLower say equal)"},
	{"\u212a", "K", false, "Kelvin sign is not the letter K"},
	{"\u2126", "ω", false, "Ohm sign is not omega"},
	{"\u212b", "å", false, "Angstrom sign is not å"},
	{"µ", "μ", false, "micro sign is not mu"},
	{"μ", "Μ", true, "mu"},
	{"ǅ", "ǆ", false, "title case stays itself"},
	{"ǆ", "Ǆ", true, "dz digraph pair"},
	{"𐐨", "𐐀", false, "beyond U+FFFF: never folded"},
	{"\xff", "\xff", true, "not UTF-8: the same bytes"},
	{"\xff", "\xfe", false, "not UTF-8: different bytes stay different"},
	{"a\xffB", "A\xffb", true, "not UTF-8 between letters"},
	{"\ufffd", "\xff", false, "U+FFFD is not any invalid byte"},
}

func TestIdentity(t *testing.T) {
	for _, c := range identityCases {
		for _, ab := range [][2]string{{c.a, c.b}, {c.b, c.a}} {
			if got := Equal(ab[0], ab[1]); got != c.same {
				t.Errorf("Equal(%q, %q) = %v, want %v (%s)", ab[0], ab[1], got, c.same, c.why)
			}
			if got := Key(ab[0]) == Key(ab[1]); got != c.same {
				t.Errorf("Key(%q) = %q, Key(%q) = %q: same %v, want %v (%s)",
					ab[0], Key(ab[0]), ab[1], Key(ab[1]), got, c.same, c.why)
			}
		}
	}
}

// TestKeyIsLowerCaseForASCII pins the stored form: the syncer keeps bases
// under keys, and earlier versions wrote strings.ToLower.
func TestKeyIsLowerCaseForASCII(t *testing.T) {
	for _, p := range []string{"AppData/Roaming/Microsoft", "NTUSER.DAT", "Saved Games/x.TXT", "Été/Ж"} {
		if got, want := Key(p), strings.ToLower(p); got != want {
			t.Errorf("Key(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestKeyIsUpcaseClass checks the whole BMP: each rune's key stands for the
// same NTFS capital as the rune, and every rune with that capital has that
// key. So Key(a) == Key(b) exactly when NTFS's Upcase agrees on every code
// unit, whatever the rune.
func TestKeyIsUpcaseClass(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r < 0xE000 {
			continue // surrogates: not runes of a valid string
		}
		u := Upcase(r)
		if Upcase(u) != u {
			t.Fatalf("Upcase(%U) = %U, whose Upcase is %U: the table must be idempotent", r, u, Upcase(u))
		}
		if k := fold(r); Upcase(k) != u {
			t.Fatalf("fold(%U) = %U, Upcase %U; want Upcase %U", r, k, Upcase(k), u)
		}
		if fold(u) != fold(r) {
			t.Fatalf("fold(%U) = %U but fold(Upcase) = fold(%U) = %U", r, fold(r), u, fold(u))
		}
	}
}

func TestKeyKeepsCanonicalString(t *testing.T) {
	s := "appdata/local/été"
	if k := Key(s); k != s {
		t.Fatalf("Key(%q) = %q", s, k)
	}
	if n := testing.AllocsPerRun(100, func() { Key(s) }); n != 0 {
		t.Errorf("Key of a key allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Equal("AppData/Local/Été", s) }); n != 0 {
		t.Errorf("Equal allocates %v times", n)
	}
}

func TestIsKey(t *testing.T) {
	for _, c := range identityCases {
		for _, p := range []string{c.a, c.b} {
			k := Key(p)
			if !IsKey(k, p) {
				t.Errorf("IsKey(Key(%q)) = false", p)
			}
			if Key(k) != k {
				t.Errorf("Key(Key(%q)) = %q, want %q", p, Key(k), k)
			}
			if other := Key(c.b); other != k && IsKey(other, p) {
				t.Errorf("IsKey(%q, %q) = true", other, p)
			}
		}
	}
}

// FuzzEqual checks that Equal, Key and IsKey are one identity, on any bytes.
func FuzzEqual(f *testing.F) {
	for _, c := range identityCases {
		f.Add(c.a, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := Key(a), Key(b)
		if Equal(a, b) != (ka == kb) {
			t.Fatalf("Equal(%q, %q) = %v but keys %q, %q", a, b, Equal(a, b), ka, kb)
		}
		if !Equal(a, ka) || Key(ka) != ka || !IsKey(ka, a) {
			t.Fatalf("key %q of %q is not its own key, or not equal to it", ka, a)
		}
		if IsKey(kb, a) != (ka == kb) {
			t.Fatalf("IsKey(%q, %q) = %v, keys %q, %q", kb, a, IsKey(kb, a), ka, kb)
		}
	})
}
