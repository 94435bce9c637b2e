package store

import (
	"strings"
	"testing"
)

// FuzzCheckRel: every path checkRel accepts is one a one-name-at-a-time
// resolver can follow without leaving the profile: relative, no empty, "." or
// ".." component, no NUL.
func FuzzCheckRel(f *testing.F) {
	for _, s := range []string{"", "a", "a/b", "../x", "a/../b", "/etc/passwd", "a//b", "a/./b", "a\x00b", ".", "..", "a/", "Saved Games/x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		if checkRel(rel) != nil || rel == "" {
			return
		}
		if strings.IndexByte(rel, 0) >= 0 || strings.HasPrefix(rel, "/") {
			t.Fatalf("accepted %q", rel)
		}
		for _, c := range strings.Split(rel, "/") {
			if c == "" || c == "." || c == ".." {
				t.Fatalf("accepted %q with component %q", rel, c)
			}
		}
		dir, name := splitRel(rel)
		if joinRel(dir, name) != rel {
			t.Fatalf("split/join of %q gives %q", rel, joinRel(dir, name))
		}
	})
}
