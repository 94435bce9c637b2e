package journal

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	tests := []struct {
		name string
		rec  Record
	}{
		{"zero", Record{}},
		{"create", Record{Seq: 1, Time: ts, Session: "s1", Op: OpCreate, Path: "Desktop/a.txt"}},
		{"rename", Record{Seq: 2, Time: ts, Session: "s1", Op: OpRename, Path: "b", OldPath: "a"}},
		{"write size", Record{Seq: math.MaxUint64, Time: ts, Op: OpWrite, Path: "x", Size: math.MaxInt64}},
		{"negative size", Record{Seq: 7, Time: ts, Op: OpTruncate, Path: "x", Size: -1}},
		{"non-utf8 path", Record{Seq: 3, Time: ts, Op: OpUnlink, Path: "dir/\xff\xfe.bin"}},
		{"long path", Record{Seq: 4, Time: ts, Op: OpMkdir, Path: strings.Repeat("d/", 2000)}},
		{"windows zero filetime", Record{Seq: 5, Time: time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC), Op: OpSetattr}},
		{"far future", Record{Seq: 6, Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Op: OpLink, Path: "l", OldPath: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRecord(encodeRecord(tt.rec))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !got.Time.Equal(tt.rec.Time) {
				t.Errorf("time %v, want %v", got.Time, tt.rec.Time)
			}
			got.Time, tt.rec.Time = time.Time{}, time.Time{}
			if got != tt.rec {
				t.Errorf("got %+v, want %+v", got, tt.rec)
			}
		})
	}
}

func TestRecordSyncedNotStored(t *testing.T) {
	got, err := decodeRecord(encodeRecord(Record{Seq: 1, Op: OpCreate, Synced: true}))
	if err != nil || got.Synced {
		t.Fatalf("got %+v, %v; want Synced false", got, err)
	}
}

func TestDecodeRecordGarbage(t *testing.T) {
	valid := encodeRecord(Record{Seq: 9, Time: time.Unix(1, 2), Session: "s", Op: OpCreate, Path: "p", OldPath: "o", Size: 3})
	inputs := map[string][]byte{
		"nil":           nil,
		"empty":         {},
		"bad version":   append([]byte{99}, valid[1:]...),
		"json":          []byte(`{"q":1,"o":"create"}`),
		"trailing":      append(append([]byte{}, valid...), 0),
		"huge length":   {recordFormat, 1, 2, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"bad varint":    {recordFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"nsec overflow": {recordFormat, 1, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0, 0, 0, 0, 0},
	}
	for i := range valid { // every truncation
		inputs["truncated "+string(rune('a'+i%26))+strings.Repeat("'", i/26)] = valid[:i]
	}
	for name, in := range inputs {
		if r, err := decodeRecord(in); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %+v, %v; want ErrCorrupt", name, r, err)
		}
	}
}

func TestBaseRoundTrip(t *testing.T) {
	tests := []Base{
		{},
		{Kind: KindFile, Size: 42, MTime: time.Unix(1700000000, 123456789), Mode: 0o644},
		{Kind: KindDir, MTime: time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), Mode: 0o755},
		{Kind: KindSymlink, Target: "../x/\xff", Mode: math.MaxUint32, Size: -5},
	}
	for _, want := range tests {
		got, err := decodeBase(encodeBase(want))
		if err != nil {
			t.Fatalf("%+v: %v", want, err)
		}
		if !got.MTime.Equal(want.MTime) {
			t.Errorf("mtime %v, want %v", got.MTime, want.MTime)
		}
		got.MTime, want.MTime = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}

func TestDecodeBaseGarbage(t *testing.T) {
	valid := encodeBase(Base{Kind: KindSymlink, Size: 1, MTime: time.Unix(5, 6), Mode: 0o777, Target: "t"})
	bad := [][]byte{nil, {}, {baseFormat}, {7}, append(append([]byte{}, valid...), 1)}
	for i := range valid {
		bad = append(bad, valid[:i])
	}
	badKind := append([]byte{}, valid...)
	badKind[1] = 200
	bad = append(bad, badKind)
	for _, in := range bad {
		if b, err := decodeBase(in); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeBase(%x) = %+v, %v; want ErrCorrupt", in, b, err)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(Record{Seq: 1, Time: time.Unix(1, 1), Op: OpRename, Path: "b", OldPath: "a"}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		// Whatever decodes must re-encode to the same bytes.
		if again := encodeRecord(r); string(again) != string(b) {
			t.Fatalf("re-encode %x != %x", again, b)
		}
	})
}

func FuzzDecodeBase(f *testing.F) {
	f.Add(encodeBase(Base{Kind: KindFile, Size: 3, MTime: time.Unix(1, 2), Mode: 0o600}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeBase(b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error not ErrCorrupt: %v", err)
		}
	})
}

func TestDecodeRejectsNonCanonicalVarint(t *testing.T) {
	// Seq 0 written as the two-byte form 0x80 0x00.
	in := []byte{recordFormat, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0}
	if _, err := decodeRecord(in); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	if _, err := decodeRecord([]byte{recordFormat, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatalf("canonical form: %v", err)
	}
}
