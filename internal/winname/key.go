package winname

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Upcase is r as NTFS's upper-case table has it (see the package doc): the
// capital of a real case pair, the final sigma's Σ, r itself otherwise.
func Upcase(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	case r > 0xFFFF:
		return r // a surrogate pair: the table has no entry for it
	case r == 'ς':
		return 'Σ' // the table's one exception: Σ's own lower case is σ
	}
	u := unicode.ToUpper(r)
	if u != r && unicode.ToLower(u) != r {
		return r // ſ, ı, µ, ǅ: not the lower case of that capital
	}
	return u
}

// fold is r's key: the lower-case letter of its case pair, r itself when it
// has none. Two runes have one key exactly when they have one Upcase.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	u := Upcase(r)
	if l := unicode.ToLower(u); l != u && Upcase(l) == u {
		return l
	}
	return u
}

// Key is the identity of name (or of a '/'-separated path) for comparisons
// and for maps: Key(a) == Key(b) exactly when Equal(a, b). A name that is
// already its own key is returned as it is, without allocating.
func Key(name string) string {
	i := 0
	for i < len(name) {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(name[i:])
		if r != utf8.RuneError && fold(r) != r {
			break
		}
		i += n
	}
	if i == len(name) {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	b.WriteString(name[:i])
	for i < len(name) {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(name[i:])
		if r == utf8.RuneError {
			b.WriteString(name[i : i+n]) // not UTF-8: kept byte for byte
		} else {
			b.WriteRune(fold(r))
		}
		i += n
	}
	return b.String()
}

// Equal reports whether a and b name the same file to Windows. It does not
// allocate: the policy asks it on every operation through the mount.
func Equal(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := a[0], b[0]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if ca != cb && fold(rune(ca)) != fold(rune(cb)) {
				return false
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra == utf8.RuneError || rb == utf8.RuneError {
			// Not UTF-8 on either side: only the same bytes match.
			if a[:na] != b[:nb] {
				return false
			}
		} else if ra != rb && fold(ra) != fold(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// IsKey reports whether k is Key(name), without building the key in the
// common case: a logon compares every path of the profile with its key.
func IsKey(k, name string) bool {
	if len(k) != len(name) {
		return Key(name) == k
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return Key(name) == k
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != k[i] {
			return false
		}
	}
	return true
}
