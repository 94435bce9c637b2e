package winevent_test

import (
	"testing"

	"roamfs/winevent"
)

func TestFormatMessage(t *testing.T) {
	cases := []struct {
		def     string
		inserts []string
		want    string
	}{
		{"plain", nil, "plain"},
		{"a %1 b", []string{"X"}, "a X b"},
		{"%2-%1", []string{"a", "b"}, "b-a"},
		{"%1!s!!", []string{"x"}, "x!"},
		{"%10", []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "ten"}, "ten"},
		{"100%% sure%!", nil, "100% sure!"},
		{"a%nb%rc%td%be% f%.", nil, "a\r\nb\rc\td e f."},
		{"stop%0 here", nil, "stop"},
	}
	for _, c := range cases {
		got, err := winevent.FormatMessage(c.def, c.inserts...)
		if err != nil || got != c.want {
			t.Errorf("FormatMessage(%q) = %q, %v; want %q", c.def, got, err, c.want)
		}
	}
	for _, def := range []string{"lone %", "%1", "%q", "%1!d!", "%1!s"} {
		if got, err := winevent.FormatMessage(def); err == nil {
			t.Errorf("FormatMessage(%q) = %q, want an error", def, got)
		}
	}
}
