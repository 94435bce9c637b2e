package entry

import (
	"io/fs"
	"testing"
)

// TestKindValues pins the values: the journal stores a base's kind as this
// byte, so a renumbering would misread every cache written before it.
func TestKindValues(t *testing.T) {
	for k, want := range map[Kind]uint8{KindNone: 0, KindFile: 1, KindDir: 2, KindSymlink: 3, KindOther: 4} {
		if uint8(k) != want {
			t.Errorf("%v = %d, want %d", k, uint8(k), want)
		}
	}
}

func TestKindOf(t *testing.T) {
	cases := map[fs.FileMode]Kind{
		0o644:                             KindFile,
		fs.ModeDir | 0o755:                KindDir,
		fs.ModeSymlink | 0o777:            KindSymlink,
		fs.ModeNamedPipe:                  KindOther,
		fs.ModeSocket:                     KindOther,
		fs.ModeDevice | fs.ModeCharDevice: KindOther,
		fs.ModeDevice:                     KindOther,
		fs.ModeSetuid | 0o755:             KindFile,
	}
	for m, want := range cases {
		if got := KindOf(m); got != want {
			t.Errorf("KindOf(%v) = %v, want %v", m, got, want)
		}
	}
}

func TestPOSIXMode(t *testing.T) {
	cases := []struct {
		goMode fs.FileMode
		posix  uint32
	}{
		{0o644, 0o644},
		{0o755 | fs.ModeSetuid, 0o4755},
		{0o770 | fs.ModeSetgid, 0o2770},
		{0o777 | fs.ModeSticky, 0o1777},
		{0o700 | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky, 0o7700},
	}
	for _, c := range cases {
		if got := ToPOSIX(c.goMode); got != c.posix {
			t.Errorf("ToPOSIX(%v) = %#o, want %#o", c.goMode, got, c.posix)
		}
		if got := FromPOSIX(c.posix); got != c.goMode {
			t.Errorf("FromPOSIX(%#o) = %v, want %v", c.posix, got, c.goMode)
		}
		if got := ToPOSIX(c.goMode | fs.ModeDir); got != c.posix {
			t.Errorf("ToPOSIX keeps the type of %v: %#o", c.goMode|fs.ModeDir, got)
		}
	}
	if got := FromPOSIX(0o100644); got != 0o644 {
		t.Errorf("FromPOSIX(S_IFREG|0644) = %v, want the permissions only", got)
	}
	for m := fs.FileMode(0); m <= 0o777; m++ {
		if FromPOSIX(ToPOSIX(m)) != m {
			t.Fatalf("%v does not round-trip", m)
		}
	}
}
