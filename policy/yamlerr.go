package policy

import (
	"regexp"
	"strconv"
	"strings"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). For these yaml.v3 reports the 0-based line of the construct
// being parsed (scanner errors get the +1), so "MaxProfileSize: [300" on
// line 2 would be blamed on line 1.
var yamlParserProblems = []string{
	"did not find expected <",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ",
	"found duplicate %",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// syntaxError turns a yaml.v3 error into an *Error with the line it names.
func syntaxError(err error, source string) *Error {
	e := &Error{Source: source, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return e
	}
	e.Line, _ = strconv.Atoi(m[1])
	e.Msg = "invalid YAML: " + m[2]
	for _, p := range yamlParserProblems {
		if strings.HasPrefix(m[2], p) {
			e.Line++
			break
		}
	}
	return e
}
