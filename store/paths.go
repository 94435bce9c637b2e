package store

import (
	"fmt"
	"path"
	"runtime"
	"strings"
)

// checkRel validates a profile-relative path; every Store method calls it first.
// Only a clean, relative, '/'-separated path without ".." can be split into single
// names that are then resolved one directory at a time.
func checkRel(rel string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidPath, rel, why)
	}
	switch {
	case rel == "":
		return nil
	case strings.IndexByte(rel, 0) >= 0:
		return bad("contains NUL")
	case strings.HasPrefix(rel, "/"):
		return bad("absolute")
	case rel == ".":
		return bad(`use "" for the profile root`)
	case path.Clean(rel) != rel:
		return bad("not clean")
	case rel == ".." || strings.HasPrefix(rel, "../"):
		// After the Clean check ".." can only lead the path.
		return bad("leaves the profile")
	case runtime.GOOS == "windows" && strings.ContainsAny(rel, `\:`):
		// A second separator or an alternate data stream would slip past the
		// one-name-at-a-time resolution.
		return bad(`contains '\' or ':'`)
	}
	return nil
}

// CheckRel is checkRel for other Store implementations (the SMB store): the
// same rules, the same ErrInvalidPath.
func CheckRel(rel string) error { return checkRel(rel) }

// splitRel splits a checked, non-empty rel into its parent ("" = root) and last name.
func splitRel(rel string) (dir, name string) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return "", rel
	}
	return rel[:i], rel[i+1:]
}

// joinRel joins a profile-relative directory and a name.
func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
