package policy

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a configuration error in a policy document: nothing may be mounted
// with it, and the CLI maps it to exit code 2. Parse and Load return *Error
// (several joined with errors.Join); find one with errors.As.
type Error struct {
	Source string // file name as given to Load, or Parse's source
	Line   int    // 1-based; 0 when unknown
	Key    string // the policy key concerned; "" for document-level problems
	Msg    string
}

// Error formats like "policy.yaml:3: MaxProfileSize: 10 is out of range (allowed 300–30000000 KB)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		if e.Source != "" {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(quoteKey(e.Key))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// quoteKey leaves key names as written unless they would make the message
// ambiguous (an unknown key can be any YAML scalar).
func quoteKey(k string) string {
	for _, r := range k {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-.$", r) {
			return strconv.Quote(k)
		}
	}
	return k
}

// unknownKeyMsg says a key is unknown and suggests the nearest valid key, if
// one is close: a different case (keys are case-sensitive) or a typo.
func unknownKeyMsg(name string) string {
	best, bestDist := "", -1
	lower := strings.ToLower(name)
	for _, k := range keys {
		d := editDistance(lower, strings.ToLower(k.name))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k.name, d
		}
	}
	if bestDist <= max(2, utf8.RuneCountInString(name)/4) {
		return "unknown key, did you mean " + best + "?"
	}
	return "unknown key"
}

// editDistance is the Levenshtein distance between a and b, by runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 200 { // a key that long is nothing like a valid one
		return len(ra)
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
