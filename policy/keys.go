package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// keyDef describes one policy key: how to read it from YAML and how to show it.
type keyDef struct {
	name string
	// parse stores n's value in p, or returns an Error with Msg (and Line
	// when it points inside n, e.g. at a list element); the caller fills in
	// the rest.
	parse func(p *Policy, n *yaml.Node) *Error
	// format renders the value so that parsing it again gives it back.
	format func(p *Policy) string
}

// keys is the design's policy table, in its order. A key's index is its bit
// in Policy.set, so there must be at most 32.
var keys = []keyDef{
	stringKey("ExcludeProfileDirs", func(p *Policy) *string { return &p.ExcludeProfileDirs }, checkExcludeDirs),
	boolKey("EnableProfileQuota", func(p *Policy) *bool { return &p.EnableProfileQuota }),
	intKey("MaxProfileSize", 300, 30000000, "300–30000000 KB", func(p *Policy) *int64 { return &p.MaxProfileSize }),
	boolKey("IncludeRegInProQuota", func(p *Policy) *bool { return &p.IncludeRegInProQuota }),
	boolKey("WarnUser", func(p *Policy) *bool { return &p.WarnUser }),
	intKey("WarnUserTimeout", 0, 1440, "0–1440 minutes", func(p *Policy) *int { return &p.WarnUserTimeout }),
	stringKey("ProfileQuotaMessage", func(p *Policy) *string { return &p.ProfileQuotaMessage }, nil),
	boolKey("DeleteRoamingCache", func(p *Policy) *bool { return &p.DeleteRoamingCache }),
	boolKey("ReadOnlyProfile", func(p *Policy) *bool { return &p.ReadOnlyProfile }),
	boolKey("CompatibleRUPSecurity", func(p *Policy) *bool { return &p.CompatibleRUPSecurity }),
	intKey("UploadHiveMethod", 0, 2, "0 off, 1 interval, 2 time of day", func(p *Policy) *int { return &p.UploadHiveMethod }),
	intKey("UploadHiveInterval", 1, 720, "1–720 hours", func(p *Policy) *int { return &p.UploadHiveInterval }),
	intKey("UploadHiveTime", 0, 23, "0–23, hour of day", func(p *Policy) *int { return &p.UploadHiveTime }),
	stringKey("MachineProfilePath", func(p *Policy) *string { return &p.MachineProfilePath }, nil),
	durationKey("HiveUploadEvery", func(p *Policy) *time.Duration { return &p.HiveUploadEvery }, true),
	durationKey("HiveUploadJitter", func(p *Policy) *time.Duration { return &p.HiveUploadJitter }, false),
	{name: "HiveFiles", parse: parseHiveFiles, format: func(p *Policy) string { return formatList(p.HiveFiles) }},
	{name: "MergeMode", parse: parseMergeMode, format: func(p *Policy) string { return string(p.MergeMode) }},
	boolKey("ConflictCopies", func(p *Policy) *bool { return &p.ConflictCopies }),
	boolKey("CaseInsensitive", func(p *Policy) *bool { return &p.CaseInsensitive }),
	intKey("MassDeletePercent", 1, 100, "1–100 percent", func(p *Policy) *int { return &p.MassDeletePercent }),
	boolKey("PSEnabled", func(p *Policy) *bool { return &p.PSEnabled }),
	boolKey("PSAlwaysCache", func(p *Policy) *bool { return &p.PSAlwaysCache }),
	intKey("PSAlwaysCacheSize", 0, 1<<40, "0 or more MB", func(p *Policy) *int64 { return &p.PSAlwaysCacheSize }),
	durationKey("PSFetchTimeout", func(p *Policy) *time.Duration { return &p.PSFetchTimeout }, true),
	intKey("NPLogonTimeout", 0, 600, "0–600 seconds", func(p *Policy) *int { return &p.NPLogonTimeout }),
	boolKey("PSMidSessionWriteBack", func(p *Policy) *bool { return &p.PSMidSessionWriteBack }),
	durationKey("PSMidSessionWriteBackInterval", func(p *Policy) *time.Duration { return &p.PSMidSessionWriteBackInterval }, true),
	boolKey("PSMidSessionWriteBackReg", func(p *Policy) *bool { return &p.PSMidSessionWriteBackReg }),
}

// keyIndex maps a key name to its index in keys.
var keyIndex = func() map[string]int {
	if len(keys) > 32 {
		panic("policy: more keys than bits in Policy.set")
	}
	m := make(map[string]int, len(keys))
	for i, k := range keys {
		m[k.name] = i
	}
	return m
}()

func boolKey(name string, field func(*Policy) *bool) keyDef {
	return keyDef{
		name: name,
		parse: func(p *Policy, n *yaml.Node) *Error {
			v, err := decodeBool(n)
			if err == nil {
				*field(p) = v
			}
			return err
		},
		format: func(p *Policy) string { return strconv.FormatBool(*field(p)) },
	}
}

// intKey is an integer key limited to lo..hi; allowed describes the range
// for the error message.
func intKey[T int | int64](name string, lo, hi T, allowed string, field func(*Policy) *T) keyDef {
	return keyDef{
		name: name,
		parse: func(p *Policy, n *yaml.Node) *Error {
			v, err := decodeInt(n)
			if err != nil {
				return err
			}
			if v < int64(lo) || v > int64(hi) {
				return &Error{Msg: fmt.Sprintf("%d is out of range (allowed %s)", v, allowed)}
			}
			*field(p) = T(v)
			return nil
		},
		format: func(p *Policy) string { return strconv.FormatInt(int64(*field(p)), 10) },
	}
}

// stringKey is a free-text key; check, when not nil, validates the value.
func stringKey(name string, field func(*Policy) *string, check func(string) string) keyDef {
	return keyDef{
		name: name,
		parse: func(p *Policy, n *yaml.Node) *Error {
			v, err := decodeString(n, "a string")
			if err != nil {
				return err
			}
			if check != nil {
				if msg := check(v); msg != "" {
					return &Error{Msg: msg}
				}
			}
			*field(p) = v
			return nil
		},
		format: func(p *Policy) string { return *field(p) },
	}
}

// durationKey is a Go duration ("2s", "90m", "1h30m"). positive marks an
// optional key: 0 means unset and a value given must be > 0; otherwise
// anything >= 0 is allowed.
func durationKey(name string, field func(*Policy) *time.Duration, positive bool) keyDef {
	return keyDef{
		name: name,
		parse: func(p *Policy, n *yaml.Node) *Error {
			v, err := decodeDuration(n)
			if err != nil {
				return err
			}
			if positive && v <= 0 {
				return &Error{Msg: fmt.Sprintf("%s is out of range (allowed: a duration greater than 0)", n.Value)}
			}
			if v < 0 {
				return &Error{Msg: fmt.Sprintf("%s is out of range (allowed: a duration of 0 or more)", n.Value)}
			}
			*field(p) = v
			return nil
		},
		format: func(p *Policy) string {
			if positive && *field(p) == 0 {
				return "" // unset
			}
			return formatDuration(*field(p))
		},
	}
}

func parseMergeMode(p *Policy, n *yaml.Node) *Error {
	v, err := decodeString(n, "merge or mirror")
	if err != nil {
		return err
	}
	switch m := MergeMode(v); m {
	case MergeModeMerge, MergeModeMirror:
		p.MergeMode = m
		return nil
	}
	return &Error{Msg: fmt.Sprintf("%q is not a merge mode (allowed: merge or mirror)", v)}
}

func parseHiveFiles(p *Policy, n *yaml.Node) *Error {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return &Error{Msg: "expected a list of file names, got " + describe(n)}
	}
	if len(n.Content) == 0 {
		return &Error{Msg: "the list is empty (allowed: one or more file names at the profile root)"}
	}
	files := make([]string, 0, len(n.Content))
	for _, e := range n.Content {
		name, err := decodeString(e, "a file name")
		if err == nil {
			if msg := checkHiveName(name); msg != "" {
				err = &Error{Msg: msg}
			}
		}
		if err != nil {
			if err.Line == 0 {
				err.Line = e.Line
			}
			return err
		}
		files = append(files, name)
	}
	p.HiveFiles = files
	return nil
}

// checkHiveName accepts a plain file name: hives live at the profile root.
func checkHiveName(name string) string {
	switch {
	case name == "":
		return "empty file name"
	case name == "." || name == "..":
		return fmt.Sprintf("%q is not a file name", name)
	case strings.ContainsAny(name, `/\`+"\x00"):
		return fmt.Sprintf("%q is not a plain file name (hive files are at the profile root; no / or \\)", name)
	}
	return ""
}

// checkExcludeDirs rejects entries that can never match a folder inside the
// profile, instead of silently letting the folder roam.
func checkExcludeDirs(s string) string {
	for _, entry := range strings.Split(s, ";") {
		entry = strings.Trim(entry, excludeTrim)
		if len(entry) >= 2 && entry[1] == ':' && isASCIILetter(entry[0]) {
			return fmt.Sprintf("%q is not relative to the profile root", entry)
		}
		for _, c := range strings.FieldsFunc(entry, isSep) {
			if c == "." || c == ".." {
				return fmt.Sprintf("%q: %q is not a folder name", entry, c)
			}
		}
	}
	return ""
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
