package policy

import (
	"strings"

	"roamfs/internal/winname"
)

// builtinExcludes are the folders Windows never roams, whatever
// ExcludeProfileDirs says ("always added to" the policy's list).
var builtinExcludes = [][]string{
	{"AppData", "Local"},
	{"AppData", "LocalLow"},
	{"$Recycle.Bin"},
}

const (
	// tempDir never roams when it is at the profile root; Windows has no
	// setting to include it.
	tempDir = "Temp"
	// tifDir never roams wherever it is (older profiles keep it under
	// Local Settings, IE keeps it under AppData\Local\Microsoft\Windows).
	tifDir = "Temporary Internet Files"
)

// excludeTrim is what surrounds an ExcludeProfileDirs entry without being
// part of it: "\Downloads\ " is Downloads.
const excludeTrim = " \t/\\"

func isSep(r rune) bool { return r == '/' || r == '\\' }

// compileExcludes prepares ExcludeProfileDirs for Nonroaming.
func (p *Policy) compileExcludes() {
	p.excl, p.exclFrom = splitExcludes(p.ExcludeProfileDirs), p.ExcludeProfileDirs
}

// splitExcludes turns "Downloads; Music\Old" into [[Downloads] [Music Old]];
// nil when there is nothing to exclude.
func splitExcludes(s string) [][]string {
	var out [][]string
	for _, entry := range strings.Split(s, ";") {
		entry = strings.Trim(entry, excludeTrim)
		if entry == "" {
			continue
		}
		out = append(out, strings.FieldsFunc(entry, isSep))
	}
	return out
}

// Nonroaming reports whether rel (profile-relative, '/'-separated, no leading
// '/', "" = the profile root) is excluded from roaming: rel itself or one of
// its ancestors is a nonroaming folder. Folders match as Windows matches
// names (winname.Equal, the identity the syncer merges by), component by
// component from the profile root: AppData/Local/x is excluded,
// AppData/Localx and AppData/Roaming are not.
//
// It runs on every FUSE operation: it does not allocate unless
// ExcludeProfileDirs was changed after the Policy was built.
func (p *Policy) Nonroaming(rel string) bool {
	extra := p.excl
	if p.ExcludeProfileDirs != p.exclFrom {
		extra = splitExcludes(p.ExcludeProfileDirs)
	}
	first := true
	for rest := rel; rest != ""; {
		var c string
		c, rest, _ = strings.Cut(rest, "/")
		if c == "" {
			continue
		}
		if (first && winname.Equal(c, tempDir)) || winname.Equal(c, tifDir) {
			return true
		}
		first = false
	}
	return underAny(rel, builtinExcludes) || underAny(rel, extra)
}

// underAny reports whether rel is one of the folders or inside one.
func underAny(rel string, folders [][]string) bool {
	for _, f := range folders {
		if under(rel, f) {
			return true
		}
	}
	return false
}

// under reports whether the leading components of rel are folder's.
func under(rel string, folder []string) bool {
	rest := rel
	for _, want := range folder {
		var c string
		for c == "" {
			if rest == "" {
				return false
			}
			c, rest, _ = strings.Cut(rest, "/")
		}
		if !winname.Equal(c, want) {
			return false
		}
	}
	return true
}

// IsHive reports whether rel is one of HiveFiles at the profile root,
// compared as Windows compares names: such files travel whole on the hive stream
// and are never merged.
func (p *Policy) IsHive(rel string) bool {
	if strings.IndexByte(rel, '/') >= 0 {
		return false
	}
	for _, h := range p.HiveFiles {
		if winname.Equal(rel, h) {
			return true
		}
	}
	return false
}
