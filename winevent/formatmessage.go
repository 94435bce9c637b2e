package winevent

import (
	"fmt"
	"strings"
)

// FormatMessage renders a message definition with its insertion strings, a
// strict subset of Win32 FormatMessage (no width wrapping, inserts formatted
// as strings only). It is what the tests and `Lookup` checks use to see the
// text Event Viewer shows; anything it does not know is an error rather than
// a guess, so a definition it accepts means the same on Windows.
func FormatMessage(def string, inserts ...string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(def); i++ {
		c := def[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		i++
		if i == len(def) {
			return "", fmt.Errorf("format message: lone %% at the end")
		}
		switch c = def[i]; {
		case c == '0':
			return out.String(), nil // %0: stop here, no trailing line break
		case c >= '1' && c <= '9':
			n := int(c - '0')
			if i+1 < len(def) && def[i+1] >= '0' && def[i+1] <= '9' {
				i++
				n = n*10 + int(def[i]-'0')
			}
			next, err := skipStringFormat(def, i+1)
			if err != nil {
				return "", fmt.Errorf("format message: insert %%%d: %w", n, err)
			}
			i = next - 1
			if n > len(inserts) {
				return "", fmt.Errorf("format message: insert %%%d, only %d given", n, len(inserts))
			}
			out.WriteString(inserts[n-1])
		default:
			s, ok := formatEscapes[c]
			if !ok {
				return "", fmt.Errorf("format message: unknown escape %%%c", c)
			}
			out.WriteString(s)
		}
	}
	return out.String(), nil
}

// formatEscapes are FormatMessage's escapes that stand for text.
var formatEscapes = map[byte]string{
	'%': "%",
	'!': "!",
	'.': ".",
	' ': " ",
	'b': " ",
	'n': "\r\n",
	'r': "\r",
	't': "\t",
}

// skipStringFormat passes over an insert's optional "!s!"-style format at
// def[i:], returning the index after it; only string formats are accepted.
func skipStringFormat(def string, i int) (int, error) {
	if i >= len(def) || def[i] != '!' {
		return i, nil
	}
	end := strings.IndexByte(def[i+1:], '!')
	if end < 0 {
		return 0, fmt.Errorf("an insert's !format! is not closed at %q", def[i:])
	}
	switch f := def[i+1 : i+1+end]; f {
	case "s", "ls", "ws", "S":
		return i + end + 2, nil
	default:
		return 0, fmt.Errorf("format !%s! is not a string format", f)
	}
}
