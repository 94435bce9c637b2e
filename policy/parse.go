package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads the policy file at path; "" means no policy file: Default().
// A file that cannot be read gives an error wrapping the os error (which
// names the path); a bad file gives *Error values (see Parse).
func Load(path string) (*Policy, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file: %w", err)
	}
	return Parse(data, path)
}

// Parse reads a policy document: a YAML mapping from key to value (an empty
// document means all defaults). source names the document in errors.
//
// Every problem found is reported, each as an *Error naming the line and
// key; several are joined with errors.Join, one line each. Use errors.As to
// get the first.
func Parse(data []byte, source string) (*Policy, error) {
	root, err := document(data, source)
	if err != nil {
		return nil, err
	}
	p := Default()
	if root != nil {
		switch errs := p.apply(root, source); len(errs) {
		case 0:
		case 1:
			return nil, errs[0]
		default:
			return nil, errors.Join(errs...)
		}
	}
	p.compileExcludes()
	return p, nil
}

// apply stores each key of the mapping root in p and returns the problems.
func (p *Policy) apply(root *yaml.Node, source string) []error {
	var errs []error
	fail := func(line int, key string, e *Error) {
		e.Source, e.Key = source, key
		if e.Line == 0 {
			e.Line = line
		}
		errs = append(errs, e)
	}
	var seenAt [32]int // line of each key already given
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := deref(root.Content[i]), root.Content[i+1]
		line := root.Content[i].Line // where the key is written, even as an alias
		if kn.Kind != yaml.ScalarNode {
			fail(line, "", &Error{Msg: "keys must be names, got " + describe(kn)})
			continue
		}
		name := kn.Value
		idx, ok := keyIndex[name]
		if !ok {
			msg := unknownKeyMsg(name)
			if name == "" {
				msg = `unknown key ""`
			}
			fail(line, name, &Error{Msg: msg})
			continue
		}
		if at := seenAt[idx]; at != 0 {
			fail(line, name, &Error{Msg: fmt.Sprintf("duplicate key (first given on line %d)", at)})
			continue
		}
		seenAt[idx] = line
		if e := keys[idx].parse(p, vn); e != nil {
			fail(vn.Line, name, e)
			continue
		}
		p.set |= 1 << idx
	}
	return errs
}

// document parses data and returns its top-level mapping, nil for an empty
// document.
func document(data []byte, source string) (root *yaml.Node, err error) {
	// yaml.v3 turns its own failures into errors but lets a runtime panic
	// through; a policy file must never take the daemon down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &Error{Source: source, Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, syntaxError(err, source)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, syntaxError(err, source)
	case !isEmpty(&next):
		return nil, &Error{Source: source, Line: next.Line, Msg: "more than one YAML document; a policy file holds one mapping"}
	}
	if isEmpty(&doc) {
		return nil, nil
	}
	n := deref(doc.Content[0])
	if n.Kind != yaml.MappingNode {
		return nil, &Error{Source: source, Line: n.Line, Msg: "a policy file must be a mapping of keys to values, got " + describe(n)}
	}
	return n, nil
}

// isEmpty reports whether doc holds nothing: no content or a null ("---").
func isEmpty(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// describe names what n is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
	default:
		return "nothing"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (null)"
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!bool":
		return "the boolean " + n.Value
	case "!!int":
		return "the integer " + n.Value
	case "!!float":
		return "the number " + n.Value
	}
	return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
}

// decodeBool accepts true/false and, because Windows policies are DWORDs, 0/1.
func decodeBool(n *yaml.Node) (bool, *Error) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, nil
			}
		case "!!int":
			var i int64
			if n.Decode(&i) == nil && (i == 0 || i == 1) {
				return i == 1, nil
			}
		}
	}
	return false, &Error{Msg: "expected true or false (or 1/0), got " + describe(n)}
}

func decodeInt(n *yaml.Node) (int64, *Error) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int64
		if n.Decode(&i) == nil {
			return i, nil
		}
		return 0, &Error{Msg: fmt.Sprintf("%s is out of range", n.Value)}
	}
	return 0, &Error{Msg: "expected an integer, got " + describe(n)}
}

// decodeString accepts any scalar as text (a null as ""); what names the
// expected value in the error for a list or mapping.
func decodeString(n *yaml.Node, what string) (string, *Error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return "", &Error{Msg: fmt.Sprintf("expected %s, got %s", what, describe(n))}
	}
	if n.ShortTag() == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func decodeDuration(n *yaml.Node) (time.Duration, *Error) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d, nil
		}
	}
	return 0, &Error{Msg: "expected a duration such as 2s, 90m or 1h30m, got " + describe(n)}
}
