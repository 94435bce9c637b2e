package junction

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestTarget(t *testing.T) {
	for _, c := range []struct{ in, sub, print string }{
		{`C:\ProgramData\roamfs\mnt\S-1-5-21-1-2-3-1001\Documents`, `\??\C:\ProgramData\roamfs\mnt\S-1-5-21-1-2-3-1001\Documents`, `C:\ProgramData\roamfs\mnt\S-1-5-21-1-2-3-1001\Documents`},
		{`d:/profiles/alice/`, `\??\d:\profiles\alice`, `d:\profiles\alice`},
		{`C:\`, `\??\C:\`, `C:\`},
		{`\\?\C:\x`, `\??\C:\x`, `C:\x`},
		{`\??\C:\x`, `\??\C:\x`, `C:\x`},
		{`\\?\Volume{0e5ac3bd-0000-0000-0000-100000000000}\Desktop`, `\??\Volume{0e5ac3bd-0000-0000-0000-100000000000}\Desktop`, `\\?\Volume{0e5ac3bd-0000-0000-0000-100000000000}\Desktop`},
		{`C:\Users\Zoë\Документы`, `\??\C:\Users\Zoë\Документы`, `C:\Users\Zoë\Документы`},
	} {
		p, err := Target(c.in)
		if err != nil || p.Substitute != c.sub || p.Print != c.print {
			t.Errorf("Target(%q) = %+v, %v; want %q, %q", c.in, p, err, c.sub, c.print)
		}
	}
	for _, bad := range []string{`\\fs1\profiles$\alice`, `Documents`, `\Users\alice`, `C:`, `C:relative`, `C:\a\..\b`, `1:\x`, ``} {
		if p, err := Target(bad); err == nil {
			t.Errorf("Target(%q) = %+v, want an error", bad, p)
		}
	}
}

// A junction to C: assembled by hand from the documented layout
// (REPARSE_DATA_BUFFER; [MS-FSCC] 2.1.2.5 Mount Point Reparse Data Buffer):
// what Encode must produce. Not taken from a Windows machine: the pilot
// (scripts/pilot.ps1) checks junctions made with it on a real one.
var mklinkBuffer = []byte{
	0x03, 0x00, 0x00, 0xa0, // IO_REPARSE_TAG_MOUNT_POINT
	0x1c, 0x00, 0x00, 0x00, // ReparseDataLength 28 (8 + 12+2 + 4+2), Reserved
	0x00, 0x00, 0x0c, 0x00, // SubstituteNameOffset 0, Length 12
	0x0e, 0x00, 0x04, 0x00, // PrintNameOffset 14, Length 4
	'\\', 0, '?', 0, '?', 0, '\\', 0, 'C', 0, ':', 0, 0, 0, // \??\C: NUL
	'C', 0, ':', 0, 0, 0, // C: NUL
}

func TestEncodeLayout(t *testing.T) {
	b, err := Encode(Point{Substitute: `\??\C:`, Print: `C:`})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, mklinkBuffer) {
		t.Errorf("Encode:\n got % x\nwant % x", b, mklinkBuffer)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, target := range []string{
		`C:\ProgramData\roamfs\mnt\S-1-5-21-1-2-3-1001\AppData\Roaming`,
		`C:\`, `E:\Zoë\Документы\😀`, `C:\` + strings.Repeat(`a\`, 1500) + "z",
	} {
		p, err := Target(target)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Encode(p)
		if err != nil {
			t.Fatalf("Encode(%s…): %v", clip(target), err)
		}
		got, err := Decode(b)
		if err != nil || got != p {
			t.Errorf("Decode(Encode(%s…)) = %+v, %v", clip(target), got, err)
		}
		if got.Path() != p.Print {
			t.Errorf("Path() = %s…", clip(got.Path()))
		}
	}
	if got := (Point{Substitute: `\??\C:\x`}).Path(); got != `C:\x` {
		t.Errorf("Path without a print name = %q", got)
	}
	if _, err := Encode(Point{Substitute: `\??\C:\` + strings.Repeat("a", MaxBuffer)}); !errors.Is(err, ErrFormat) {
		t.Errorf("a name longer than a reparse buffer: %v", err)
	}
}

// Buffers read from disk that must be refused, not trusted.
func TestDecodeRefuses(t *testing.T) {
	mut := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), mklinkBuffer...)
		return f(b)
	}
	le := binary.LittleEndian
	for name, b := range map[string][]byte{
		"empty":            nil,
		"short":            mklinkBuffer[:12],
		"symlink tag":      mut(func(b []byte) []byte { le.PutUint32(b, 0xA000000C); return b }),
		"data too long":    mut(func(b []byte) []byte { le.PutUint16(b[4:], 200); return b }),
		"data too short":   mut(func(b []byte) []byte { le.PutUint16(b[4:], 4); return b }),
		"sub outside":      mut(func(b []byte) []byte { le.PutUint16(b[10:], 40); return b }),
		"print outside":    mut(func(b []byte) []byte { le.PutUint16(b[12:], 30); return b }),
		"odd offset":       mut(func(b []byte) []byte { le.PutUint16(b[12:], 13); return b }),
		"empty substitute": mut(func(b []byte) []byte { le.PutUint16(b[10:], 0); return b }),
	} {
		if p, err := Decode(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Decode = %+v, %v; want ErrFormat", name, p, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(mklinkBuffer)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(p)
		if err != nil {
			return // e.g. names with unpaired surrogates grow past the limit
		}
		if q, err := Decode(again); err != nil || q != p {
			t.Errorf("re-encoded %+v decodes as %+v, %v", p, q, err)
		}
	})
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}
