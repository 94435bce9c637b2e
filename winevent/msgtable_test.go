package winevent_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"roamfs/winevent"
	"roamfs/winevent/rsrc"
)

func tableEvents(t *testing.T) []winevent.Event {
	t.Helper()
	events, err := rsrc.Events()
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// Event Viewer shows, for event id N, message N of roamfs.exe with the
// insertion string in place of %1: every row of the table must come back so.
func TestEveryEventDecodesToItsText(t *testing.T) {
	events := tableEvents(t)
	data, err := winevent.EncodeMessageTable(winevent.Messages(events))
	if err != nil {
		t.Fatal(err)
	}
	table, err := winevent.DecodeMessageTable(data)
	if err != nil {
		t.Fatal(err)
	}
	var want []uint32
	for _, e := range events {
		want = append(want, e.ID)
		got, err := table.Format(e.ID, "the entry\r\npath: Desktop")
		if err != nil {
			t.Errorf("event %d: %v", e.ID, err)
			continue
		}
		if exp := e.Text + "\r\n\r\nthe entry\r\npath: Desktop\r\n"; got != exp {
			t.Errorf("event %d shows %q, want %q", e.ID, got, exp)
		}
	}
	slices.Sort(want)
	if got := table.IDs(); !slices.Equal(got, want) {
		t.Errorf("table ids %v, want %v", got, want)
	}
	// The User Profile Service's small ids are stored as they are, not moved
	// into the 15xx range: ReportEvent passes the id unchanged.
	for _, id := range []uint32{1, 2, 3, 4, 51, 52, 53, 54} {
		if _, ok := table.Lookup(id); !ok {
			t.Errorf("id %d missing", id)
		}
	}
}

// A '%' in the table's text must show as itself, not start an insert, cut
// the message (%0) or break a line (%n); '!' after it must stay too.
func TestPercentAndBangInTextShowAsWritten(t *testing.T) {
	texts := []string{
		"Over 90% of the quota used.",
		"%1 is not an insert, %0 does not stop, %n %r %t %b %. %! %% stay",
		"ends in a percent %",
		"an insert look-alike: %1!d! and 100%!",
		"line one\nline two",
	}
	var msgs []winevent.Message
	for i, text := range texts {
		msgs = append(msgs, winevent.Message{ID: uint32(1500 + i), Definition: winevent.Definition(text)})
	}
	data, err := winevent.EncodeMessageTable(msgs)
	if err != nil {
		t.Fatal(err)
	}
	table, err := winevent.DecodeMessageTable(data)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		got, err := table.Format(uint32(1500+i), "X")
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		want := strings.ReplaceAll(text, "\n", "\r\n") + "\r\n\r\nX\r\n"
		if got != want {
			t.Errorf("text %q shows as %q, want %q", text, got, want)
		}
	}
	if got := winevent.EscapeText("50% done!"); got != "50%% done!" {
		t.Errorf("EscapeText = %q", got)
	}
}

// The exact bytes of a small table, worked out by hand from winnt.h's
// MESSAGE_RESOURCE_DATA / _BLOCK / _ENTRY: two blocks (1–2, 5), entries
// padded to 4 bytes after their NUL.
func TestMessageTableLayout(t *testing.T) {
	data, err := winevent.EncodeMessageTable([]winevent.Message{
		{ID: 5, Definition: ""},
		{ID: 1, Definition: "A"},
		{ID: 2, Definition: "BC"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	put := func(v ...any) {
		for _, x := range v {
			binary.Write(&want, binary.LittleEndian, x)
		}
	}
	put(uint32(2))                                                   // NumberOfBlocks
	put(uint32(1), uint32(2), uint32(28))                            // ids 1–2, entries after the 4+2*12 byte header
	put(uint32(5), uint32(5), uint32(48))                            // id 5, after entries of 8 and 12 bytes
	put(uint16(8), uint16(1), []byte("A\x00\x00\x00"))               // "A" NUL: 4 bytes
	put(uint16(12), uint16(1), []byte("B\x00C\x00\x00\x00\x00\x00")) // "BC" NUL pad: 8 bytes
	put(uint16(8), uint16(1), []byte{0, 0, 0, 0})                    // "" NUL pad: 4 bytes
	if !bytes.Equal(data, want.Bytes()) {
		t.Errorf("encoded\n% x\nwant\n% x", data, want.Bytes())
	}
}

func TestEncodeRefusesWhatWindowsCannotShow(t *testing.T) {
	cases := map[string][]winevent.Message{
		"duplicate id": {{ID: 7, Definition: "a"}, {ID: 7, Definition: "b"}},
		"NUL in text":  {{ID: 7, Definition: "a\x00b"}},
		"entry > 64K":  {{ID: 7, Definition: strings.Repeat("x", 40000)}},
	}
	for name, msgs := range cases {
		if _, err := winevent.EncodeMessageTable(msgs); err == nil {
			t.Errorf("%s: encoded without error", name)
		}
	}
}

func TestDecodeRefusesMalformedTables(t *testing.T) {
	good, err := winevent.EncodeMessageTable([]winevent.Message{{ID: 1, Definition: "abc"}, {ID: 2, Definition: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	cases := map[string][]byte{
		"empty":              nil,
		"truncated":          good[:len(good)-4],
		"block count huge":   mutate(func(b []byte) { le.PutUint32(b, 0xFFFFFFFF) }),
		"low above high":     mutate(func(b []byte) { le.PutUint32(b[4:], 3) }),
		"range too large":    mutate(func(b []byte) { le.PutUint32(b[8:], 0xFFFFFFFF) }),
		"offset past end":    mutate(func(b []byte) { le.PutUint32(b[12:], uint32(len(good))) }),
		"entry length short": mutate(func(b []byte) { le.PutUint16(b[16:], 2) }),
		"entry length long":  mutate(func(b []byte) { le.PutUint16(b[16:], 0xFFFC) }),
		"unknown flags":      mutate(func(b []byte) { le.PutUint16(b[18:], 9) }),
	}
	for name, data := range cases {
		if _, err := winevent.DecodeMessageTable(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// FuzzDecodeMessageTable: whatever the bytes, decoding returns an error or a
// table whose every id can be looked up; it never panics or over-allocates.
func FuzzDecodeMessageTable(f *testing.F) {
	seed, err := winevent.EncodeMessageTable([]winevent.Message{{ID: 1, Definition: "a%1"}, {ID: 1504, Definition: "b"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := winevent.DecodeMessageTable(data)
		if err != nil {
			return
		}
		for _, id := range table.IDs() {
			if _, ok := table.Lookup(id); !ok {
				t.Fatalf("id %d listed but not found", id)
			}
		}
	})
}
