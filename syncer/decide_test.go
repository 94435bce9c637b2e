package syncer

import (
	"fmt"
	"testing"
	"time"
)

var (
	t0     = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	absent = Version{}
	dir    = Version{Kind: KindDir, Mode: 0o700}
)

func file(size int64, at time.Duration) Version {
	return Version{Kind: KindFile, Size: size, MTime: t0.Add(at), Mode: 0o644}
}

func TestDecideLogoffTable(t *testing.T) {
	b := file(1, 0)
	cases := []struct {
		name                string
		base, server, local Version
		want                Action
	}{
		{"created here, absent on server", absent, absent, file(2, time.Hour), ActUpload},
		{"modified here, server unchanged", b, b, file(2, time.Hour), ActUpload},
		{"modified here, server deleted", b, absent, file(2, time.Hour), ActUpload},
		{"modified on both, local newer", b, file(3, time.Minute), file(2, time.Hour), ActConflictLocal},
		{"modified on both, server newer", b, file(3, 2*time.Hour), file(2, time.Hour), ActConflictServer},
		{"modified on both, same mtime: server stays", b, file(3, time.Hour), file(2, time.Hour), ActConflictServer},
		{"created on both machines", absent, file(3, time.Minute), file(2, time.Hour), ActConflictLocal},
		{"already uploaded (replay)", b, file(2, time.Hour), file(2, time.Hour), ActNothing},
		{"deleted here, server unchanged", b, b, absent, ActDeleteServer},
		{"deleted here, server changed", b, file(3, time.Hour), absent, ActKeepServer},
		{"deleted here, re-created on server", absent, file(3, time.Hour), absent, ActNothing},
		{"deleted here, already absent", b, absent, absent, ActNothing},
		{"directory created here", absent, absent, dir, ActUpload},
		{"directory on both sides", absent, dir, dir, ActNothing},
		{"directory deleted here, unchanged on server", dir, dir, absent, ActDeleteServer},
		{"folder here, newer file on server", file(1, 0), file(3, 2*time.Hour), dir, ActConflictLocal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := IntentOf(c.base, c.local)
			got := DecideLogoff(in, c.base, c.server, c.local)
			if got.Action != c.want {
				t.Fatalf("DecideLogoff(%v, base=%+v, server=%+v, local=%+v) = %v (%s), want %v",
					in, c.base, c.server, c.local, got.Action, got.Rule, c.want)
			}
			if got.Rule == "" {
				t.Fatal("decision without a rule name")
			}
		})
	}
}

// TestDecideLogoffBothWaysRound plays two machines, A and B, that both changed a
// path from one base, in either order: whichever logs off first uploads, and
// the second's decision keeps the newer version on the server and the older as
// a conflict copy, so the outcome does not depend on who logs off first.
func TestDecideLogoffBothWaysRound(t *testing.T) {
	base := file(1, 0)
	versions := []Version{file(2, time.Hour), file(3, 2*time.Hour), absent}
	for _, a := range versions {
		for _, b := range versions {
			t.Run(fmt.Sprintf("A=%v/B=%v", describe(a), describe(b)), func(t *testing.T) {
				first := finalServer(t, base, base, a)
				ab := finalServer(t, base, first, b)
				first = finalServer(t, base, base, b)
				ba := finalServer(t, base, first, a)
				if !ab.Same(ba) {
					t.Fatalf("order matters: A then B leaves %v, B then A leaves %v", describe(ab), describe(ba))
				}
			})
		}
	}
}

// finalServer applies one machine's logoff decision to a server version.
func finalServer(t *testing.T, base, server, local Version) Version {
	t.Helper()
	d := DecideLogoff(IntentOf(base, local), base, server, local)
	switch d.Action {
	case ActUpload, ActConflictLocal:
		return local
	case ActDeleteServer:
		return absent
	default:
		return server
	}
}

func describe(v Version) string {
	if !v.Present() {
		return "absent"
	}
	return fmt.Sprintf("size%d", v.Size)
}

// TestDecideLogoffNeverTouchesUntouched: without intent nothing happens,
// whatever the server holds — the NT 4.0 mirror's data loss cannot happen.
func TestDecideLogoffNeverTouchesUntouched(t *testing.T) {
	for _, s := range []Version{absent, file(1, 0), file(9, time.Hour), dir} {
		if d := DecideLogoff(IntentNone, file(1, 0), s, file(1, 0)); d.Action != ActNothing {
			t.Errorf("server %v: %v, want nothing", describe(s), d.Action)
		}
	}
}

func TestDecideLogonTable(t *testing.T) {
	b := file(1, 0)
	cases := []struct {
		name                string
		pending             bool
		base, server, cache Version
		want                Action
	}{
		{"server newer", false, b, file(2, time.Hour), b, ActDownload},
		{"new on server", false, absent, file(2, time.Hour), absent, ActDownload},
		{"agree", false, b, b, b, ActNothing},
		{"deleted elsewhere, unmodified here", false, b, absent, b, ActDeleteLocal},
		{"deleted elsewhere, but unknown to last sync", false, absent, absent, file(5, time.Hour), ActKeepLocal},
		{"pending change is never overwritten", true, b, file(2, time.Hour), file(3, time.Hour), ActKeepPending},
		{"pending change is never deleted", true, b, absent, file(3, time.Hour), ActKeepPending},
		{"folder deleted elsewhere", false, dir, absent, dir, ActDeleteLocal},
		{"folder new on server", false, absent, dir, absent, ActDownload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := DecideLogon(c.pending, c.base, c.server, c.cache)
			if got.Action != c.want || got.Rule == "" {
				t.Fatalf("DecideLogon = %v (%q), want %v", got.Action, got.Rule, c.want)
			}
		})
	}
}

func TestConflictName(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := map[string]string{
		"Documents/report.docx": "Documents/report (conflict PC1 2026-03-04 050607).docx",
		"notes":                 "notes (conflict PC1 2026-03-04 050607)",
		".bashrc":               ".bashrc (conflict PC1 2026-03-04 050607)",
		"a/b.tar.gz":            "a/b.tar (conflict PC1 2026-03-04 050607).gz",
	}
	for in, want := range cases {
		if got := ConflictName(in, "PC1", at); got != want {
			t.Errorf("ConflictName(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkDecideLogoff(b *testing.B) {
	base, server, local := file(1, 0), file(3, time.Minute), file(2, time.Hour)
	for b.Loop() {
		DecideLogoff(IntentOf(base, local), base, server, local)
	}
}

func TestDecideHive(t *testing.T) {
	b := file(10, 0)
	cases := []struct {
		name                string
		base, server, local Version
		want                Action
	}{
		{"changed, newer than server", b, b, file(11, time.Hour), ActUpload},
		{"unchanged since last upload", b, file(12, 2*time.Hour), b, ActNothing},
		{"server newer: last writer wins", b, file(12, 2*time.Hour), file(11, time.Hour), ActKeepServer},
		{"no server hive", absent, absent, file(11, time.Hour), ActUpload},
		{"already there", b, file(11, time.Hour), file(11, time.Hour), ActNothing},
	}
	for _, c := range cases {
		if got := DecideHive(c.base, c.server, c.local); got.Action != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, got.Action, got.Rule, c.want)
		}
	}
}

func TestConflictNameRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 30, 5, 0, time.UTC)
	for _, rel := range []string{"Documents/a.txt", "Documents/archive.tar.gz", ".profile", "Desktop/no ext", "x/y (1).doc"} {
		for _, host := range []string{"PC-01-3f9a2c", "pc with spaces"} {
			for _, name := range []string{ConflictName(rel, host, at), numbered(ConflictName(rel, host, at), 2)} {
				orig, h, mt, ok := ParseConflictName(name)
				if !ok || orig != rel || h != host || !mt.Equal(at) {
					t.Errorf("%q (%s) → %q → %q %q %v %v", rel, host, name, orig, h, mt, ok)
				}
			}
		}
	}
	for _, bad := range []string{"Documents/a.txt", "a (conflict) .txt", "a (conflict H 2026-13-01 000000).txt"} {
		if _, _, _, ok := ParseConflictName(bad); ok {
			t.Errorf("%q parsed as a conflict copy", bad)
		}
	}
}
