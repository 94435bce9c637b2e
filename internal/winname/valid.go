package winname

import "strings"

// Windows refuses some names outright; a server copy holding one (written by
// a Linux client of the share, or planted) cannot be part of a Windows
// profile, so the syncer skips it with an event instead of breaking the logon.

var reservedDevices = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// Problem says why a path component is not a valid Windows name, or "" when
// it is.
func Problem(name string) string {
	switch {
	case name == "":
		return "empty name"
	case strings.ContainsAny(name, `<>:"|?*\`):
		return `holds one of the characters Windows forbids: < > : " | ? * \`
	case strings.HasSuffix(name, ".") && name != "." && name != "..":
		return "ends with a dot"
	case strings.HasSuffix(name, " "):
		return "ends with a space"
	}
	for _, r := range name {
		if r < 32 {
			return "holds a control character"
		}
	}
	stem := name
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	if reservedDevices[strings.ToUpper(strings.TrimRight(stem, " "))] {
		return "is a reserved device name (" + strings.ToUpper(stem) + ")"
	}
	return ""
}
