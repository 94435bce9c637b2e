package store

import (
	"errors"
	"testing"
)

func TestCheckRel(t *testing.T) {
	tests := []struct {
		rel string
		ok  bool
	}{
		{"", true},
		{"a", true},
		{"a/b/c", true},
		{"AppData/Roaming/x.txt", true},
		{"..a/b..", true},
		{".hidden", true},
		{".", false},
		{"..", false},
		{"../x", false},
		{"../../etc/passwd", false},
		{"a/../b", false},
		{"a/..", false},
		{"/a", false},
		{"/", false},
		{"a/", false},
		{"a//b", false},
		{"./a", false},
		{"a/./b", false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		err := checkRel(tt.rel)
		if (err == nil) != tt.ok {
			t.Errorf("checkRel(%q) = %v, want ok=%v", tt.rel, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidPath) {
			t.Errorf("checkRel(%q) = %v, want ErrInvalidPath", tt.rel, err)
		}
	}
}

func TestSplitRel(t *testing.T) {
	tests := []struct{ rel, dir, name string }{
		{"a", "", "a"},
		{"a/b", "a", "b"},
		{"a/b/c", "a/b", "c"},
	}
	for _, tt := range tests {
		dir, name := splitRel(tt.rel)
		if dir != tt.dir || name != tt.name {
			t.Errorf("splitRel(%q) = %q, %q; want %q, %q", tt.rel, dir, name, tt.dir, tt.name)
		}
		if got := joinRel(dir, name); got != tt.rel {
			t.Errorf("joinRel(%q, %q) = %q", dir, name, got)
		}
	}
}
