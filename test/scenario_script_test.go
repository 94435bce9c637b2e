package test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A scenario is one logon/logoff story in testdata/scenarios/NAME.txt: a
// line-oriented script, one command a line, '#' starting a comment outside
// quotes. Any argument may be double-quoted (Go syntax) to hold spaces.
//
//	policy KEY: VALUE              a policy line for every machine logging on after it
//	logon M                        M is any name; a machine is made at its first mention
//	logoff M [--allow-mass-delete]
//	expect-fail logoff M           the logoff must be refused; M stays logged on
//	umount M                       a plain umount: the daemon syncs on its own
//	sync M                         a write-back round of M's running session
//	                               (and its pull): `roamfs sync --cache`
//	write M PATH "content" [@T]    through M's mount; @T sets the mtime explicitly
//	mkdir M PATH
//	rm M PATH                      a file, or a folder with everything in it
//	mv M FROM TO
//	touch M PATH @T                creates an empty file if PATH is missing
//	server-write PATH "content" [@T]   straight into the server directory
//	expect WHERE PATH "content"|absent|dir   WHERE is server or a machine;
//	                               PATH may be a pattern (* ? [...]) matching one path
//	show WHERE                     adds WHERE's listing to the golden's transcript
//
// @T is HH:MM or HH:MM:SS on the scenario day, scDay, in UTC: times in the
// stories are wall-clock times of that day, long before any real logon, and
// conflict copies named after them are the same on every run.

// scDay is the day every @T falls on: Windows 2000's release.
var scDay = time.Date(2000, 2, 17, 0, 0, 0, 0, time.UTC)

type scCmd struct {
	line  int
	text  string   // the line without its comment, for the transcript
	verb  string   // the command; "expect-fail logoff" is one verb
	args  []string // unquoted
	flags []string // logoff's --flags
	kw    string   // expect's unquoted absent or dir; "" when it names a content
	at    time.Time
}

// scParse reads a scenario script.
func scParse(file string) ([]scCmd, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cmds []scCmd
	for i, raw := range strings.Split(string(data), "\n") {
		c, err := scParseLine(raw)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, i+1, err)
		}
		if c.verb == "" {
			continue
		}
		c.line = i + 1
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// scArity is each command's number of arguments (after @T is taken off) and
// whether @T is none (0), optional (1) or required (2).
var scArity = map[string][2]int{
	"policy":             {1, 0},
	"logon":              {1, 0},
	"logoff":             {1, 0},
	"expect-fail logoff": {1, 0},
	"umount":             {1, 0},
	"sync":               {1, 0},
	"write":              {3, 1},
	"mkdir":              {2, 0},
	"rm":                 {2, 0},
	"mv":                 {3, 0},
	"touch":              {2, 2},
	"server-write":       {2, 1},
	"expect":             {3, 0},
	"show":               {1, 0},
}

func scParseLine(raw string) (scCmd, error) {
	toks, comment, err := scTokens(raw)
	if err != nil {
		return scCmd{}, err
	}
	text := strings.TrimSpace(raw[:comment])
	if len(toks) == 0 {
		return scCmd{}, nil
	}
	c := scCmd{text: text, verb: toks[0].s}
	rest := toks[1:]
	switch c.verb {
	case "policy":
		// Everything after the verb is one YAML line, quotes and all.
		v := strings.TrimSpace(strings.TrimPrefix(text, "policy"))
		if !strings.Contains(v, ":") {
			return c, fmt.Errorf("policy wants KEY: VALUE, got %q", v)
		}
		c.args = []string{v}
		return c, nil
	case "logoff":
		for len(rest) > 1 && rest[len(rest)-1].s == "--allow-mass-delete" && !rest[len(rest)-1].quoted {
			c.flags = append(c.flags, rest[len(rest)-1].s)
			rest = rest[:len(rest)-1]
		}
	case "expect-fail":
		if len(rest) == 0 || rest[0].s != "logoff" {
			return c, fmt.Errorf("expect-fail supports only logoff")
		}
		c.verb, rest = "expect-fail logoff", rest[1:]
	}
	ar, ok := scArity[c.verb]
	if !ok {
		return c, fmt.Errorf("unknown command %q", c.verb)
	}
	if n := len(rest); n > 0 && !rest[n-1].quoted && strings.HasPrefix(rest[n-1].s, "@") {
		if ar[1] == 0 {
			return c, fmt.Errorf("%s takes no @time", c.verb)
		}
		if c.at, err = scTime(rest[n-1].s[1:]); err != nil {
			return c, err
		}
		rest = rest[:n-1]
	} else if ar[1] == 2 {
		return c, fmt.Errorf("%s needs an @time", c.verb)
	}
	if len(rest) != ar[0] {
		return c, fmt.Errorf("%s takes %d arguments, got %d", c.verb, ar[0], len(rest))
	}
	for _, t := range rest {
		c.args = append(c.args, t.s)
	}
	if last := rest[len(rest)-1]; c.verb == "expect" && !last.quoted {
		if last.s != "absent" && last.s != "dir" {
			return c, fmt.Errorf("expect wants absent, dir or a quoted content, got %s", last.s)
		}
		c.kw = last.s
	}
	return c, nil
}

// scTime reads HH:MM or HH:MM:SS on scDay.
func scTime(s string) (time.Time, error) {
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return scDay.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second), nil
		}
	}
	return time.Time{}, fmt.Errorf("@%s: want @HH:MM or @HH:MM:SS", s)
}

type scTok struct {
	s      string
	quoted bool
}

// scTokens splits a line into words and Go-quoted strings; comment is where
// the comment starts (len(raw) if none).
func scTokens(raw string) (toks []scTok, comment int, err error) {
	i := 0
	for i < len(raw) {
		switch ch := raw[i]; {
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
		case ch == '#':
			return toks, i, nil
		case ch == '"':
			j := i + 1
			for ; j < len(raw) && raw[j] != '"'; j++ {
				if raw[j] == '\\' {
					j++
				}
			}
			if j >= len(raw) {
				return nil, 0, fmt.Errorf("unterminated quote")
			}
			s, err := strconv.Unquote(raw[i : j+1])
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %v", raw[i:j+1], err)
			}
			toks = append(toks, scTok{s, true})
			i = j + 1
		default:
			j := i
			for j < len(raw) && !strings.ContainsRune(" \t\r#", rune(raw[j])) {
				j++
			}
			toks = append(toks, scTok{raw[i:j], false})
			i = j
		}
	}
	return toks, len(raw), nil
}

// TestScenarioScriptParse pins the script syntax: quoting, comments, @times,
// flags and keywords, and the mistakes a story writer makes.
func TestScenarioScriptParse(t *testing.T) {
	for _, tc := range []struct {
		line, verb string
		args       []string
		at         string // 15:04:05, "" for none
		kw         string
		flags      []string
	}{
		{line: "  # only a comment"},
		{line: `write A "Saved Games/x #1.txt" "say \"hi\"" @10:05  # comment`, verb: "write",
			args: []string{"A", "Saved Games/x #1.txt", `say "hi"`}, at: "10:05:00"},
		{line: "touch B Desktop/a @23:59:30", verb: "touch", args: []string{"B", "Desktop/a"}, at: "23:59:30"},
		{line: "policy MergeMode: mirror # NT 4.0", verb: "policy", args: []string{"MergeMode: mirror"}},
		{line: "expect-fail logoff A", verb: "expect-fail logoff", args: []string{"A"}},
		{line: "logoff A --allow-mass-delete", verb: "logoff", args: []string{"A"}, flags: []string{"--allow-mass-delete"}},
		{line: "expect server Documents/x absent", verb: "expect", args: []string{"server", "Documents/x", "absent"}, kw: "absent"},
		{line: `expect server Documents/x "absent"`, verb: "expect", args: []string{"server", "Documents/x", "absent"}},
	} {
		c, err := scParseLine(tc.line)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		at := ""
		if !c.at.IsZero() {
			at = c.at.Format("15:04:05")
		}
		if c.verb != tc.verb || fmt.Sprint(c.args) != fmt.Sprint(tc.args) || at != tc.at || c.kw != tc.kw ||
			fmt.Sprint(c.flags) != fmt.Sprint(tc.flags) {
			t.Errorf("%q: got verb %q args %q at %q kw %q flags %q", tc.line, c.verb, c.args, at, c.kw, c.flags)
		}
	}
	for _, bad := range []string{
		"frobnicate A", "write A x", `write A x "unterminated`, "touch A x", "logon A @10:00",
		"write A x y @25:00", "expect A x maybe", "expect-fail logon A", "policy MergeMode",
	} {
		if _, err := scParseLine(bad); err == nil {
			t.Errorf("%q: parsed, want an error", bad)
		}
	}
}
