package winname

import (
	"errors"
	"testing"
)

func TestSpellingsResolve(t *testing.T) {
	tree := map[string][]string{
		"":                {"AppData", "Desktop", "twice", "TWICE"},
		"AppData":         {"Roaming"},
		"AppData/Roaming": {"Στοιχεία"},
	}
	lists := 0
	list := func(dir string) ([]string, error) {
		lists++
		return tree[dir], nil
	}
	var c Spellings
	cases := []struct {
		p, want   string
		ambiguous bool
	}{
		{"appdata/ROAMING/στοιχεία", "AppData/Roaming/Στοιχεία", false},
		{"appdata/roaming/new/file.txt", "AppData/Roaming/new/file.txt", false},
		{"desktop", "Desktop", false},
		{"Twice/x", "", true},
		{"nowhere/Else", "nowhere/Else", false},
	}
	for _, tc := range cases {
		got, amb, err := c.Resolve(tc.p, list)
		if err != nil || got != tc.want || amb != tc.ambiguous {
			t.Errorf("Resolve(%q) = %q, %v, %v; want %q, %v", tc.p, got, amb, err, tc.want, tc.ambiguous)
		}
	}
	if lists != 3 { // "", AppData, AppData/Roaming
		t.Errorf("%d listings, want each directory listed once", lists)
	}
	c.Reset()
	c.Resolve("desktop", list)
	if lists != 4 {
		t.Errorf("Reset did not forget the listings (%d)", lists)
	}
}

func TestSpellingsListError(t *testing.T) {
	var c Spellings
	boom := errors.New("boom")
	if _, _, err := c.Resolve("a/b", func(string) ([]string, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	got, _, err := c.Resolve("a/b", func(string) ([]string, error) { return []string{"A"}, nil })
	if err != nil || got != "A/b" {
		t.Fatalf("after a failed listing: %q, %v; want the listing read again", got, err)
	}
}
