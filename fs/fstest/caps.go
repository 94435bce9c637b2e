//go:build linux

package fstest

import "testing"

// Caps are the optional things a target declares it can do. The POSIX core
// the cases check is not optional.
type Caps struct {
	// Xattr: extended attributes are kept. A target without them must answer
	// every xattr call with ENOTSUP (EOPNOTSUPP), which the suite checks.
	Xattr bool
}

// AllCaps is a target that can do everything: the Linux overlay backend.
var AllCaps = Caps{Xattr: true}

// capability names one field of Caps.
type capability int

const capXattr capability = 1

func (c capability) String() string {
	switch c {
	case capXattr:
		return "Caps.Xattr"
	}
	return "no capability"
}

func (caps Caps) has(c capability) bool {
	switch c {
	case capXattr:
		return caps.Xattr
	}
	return true
}

// needs runs fn on a target that declares c, and otherwise unsupported,
// which checks the target's "not supported" answer; without one the case is
// skipped, by name.
func needs(c capability, fn, unsupported func(t *testing.T, e *env)) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		switch {
		case e.caps.has(c):
			fn(t, e)
		case unsupported != nil:
			unsupported(t, e)
		default:
			t.Skipf("the target does not declare %s", c)
		}
	}
}
