package policy

import "strings"

// NonroamingBelow reports whether a nonroaming folder lies strictly inside
// rel (profile-relative, '/'-separated): AppData holds AppData/Local. The
// Windows service makes a roaming folder a junction into the roamfs volume
// only when nothing below it must stay on the local disk; a folder for which
// this is true stays a real folder and its children are looked at instead.
// "Temporary Internet Files", nonroaming wherever it is, does not count: the
// volume keeps it local by itself (Nonroaming).
func (p *Policy) NonroamingBelow(rel string) bool {
	depth := len(strings.FieldsFunc(rel, func(r rune) bool { return r == '/' }))
	for _, list := range [][][]string{builtinExcludes, splitExcludes(p.ExcludeProfileDirs)} {
		for _, f := range list {
			if len(f) > depth && under(rel, f[:depth]) {
				return true
			}
		}
	}
	return false
}
