package policy

import (
	"strconv"
	"strings"
	"time"
)

// formatDuration writes d as people write it and time.ParseDuration reads it:
// 1h rather than 1h0m0s, 1h30m, 2s, 0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatList writes names as a YAML flow list, [NTUSER.DAT, UsrClass.dat],
// quoting a name only when YAML would otherwise read it differently.
func formatList(names []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		if plainSafe(n) {
			b.WriteString(n)
		} else {
			b.WriteString(strconv.Quote(n))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// plainSafe reports whether s reads back as the same string when written
// unquoted in a YAML flow list: a letter, then letters, digits, '.', '_',
// '-' and '$', and not a word YAML gives another meaning.
func plainSafe(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isASCIILetter(c) && !('0' <= c && c <= '9') && !strings.ContainsRune("._-$", rune(c)) {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		return false
	}
	return true
}
