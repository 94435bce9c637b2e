package policy

import (
	"errors"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// On Windows the settings come from the Group Policy registry values, under
// the same names as the policy file's keys, so an administrator's GPOs carry
// over unchanged.

// Registry reads policy values. The Windows implementation wraps
// golang.org/x/sys/windows/registry; tests use a map.
type Registry interface {
	// Value returns the value name under key (e.g. `HKLM\Software\Policies\
	// Microsoft\Windows\System`): a uint32 for REG_DWORD, a string for
	// REG_SZ / REG_EXPAND_SZ, a []string for REG_MULTI_SZ. ok is false when
	// the key or the value does not exist.
	Value(key, name string) (v any, ok bool, err error)
}

// RegistryKeys are where the values are looked for, first match wins: machine
// policy over user policy (as Group Policy applies them), then the older
// per-user location the profile quota values live in, then roamfs' own key
// for the settings Windows does not have.
var RegistryKeys = []string{
	`HKLM\Software\Policies\Microsoft\Windows\System`,
	`HKCU\Software\Policies\Microsoft\Windows\System`,
	`HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\System`,
	`HKLM\Software\Policies\roamfs`,
}

// ErrRegistryType is a value of a type the key cannot hold.
var ErrRegistryType = errors.New("registry value of the wrong type")

// FromRegistry builds the effective policy from the registry. Values are
// checked exactly like the policy file's (types, ranges); a bad one is an
// *Error naming the key.
func FromRegistry(r Registry) (*Policy, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	var errs []error
	for _, k := range keys {
		for _, at := range RegistryKeys {
			v, ok, err := r.Value(at, k.name)
			if err != nil {
				errs = append(errs, &Error{Source: at, Key: k.name, Msg: err.Error()})
				break
			}
			if !ok {
				continue
			}
			n, err := registryNode(v)
			if err != nil {
				errs = append(errs, &Error{Source: at, Key: k.name, Msg: err.Error()})
				break
			}
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.name}, n)
			break
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p := Default()
	if errs := p.apply(root, "Group Policy registry"); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p.compileExcludes()
	return p, nil
}

// registryNode turns a registry value into the YAML node the policy file
// would hold for it: DWORDs are integers (booleans are DWORD 0/1 on Windows,
// which the file's bool keys accept too).
func registryNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case uint32:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(x), 10)}, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x, Style: yaml.DoubleQuotedStyle}, nil
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, s := range x {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle})
		}
		return n, nil
	}
	return nil, ErrRegistryType
}

// MapRegistry is a Registry held in memory: `KEY\name` → value. Tests use it;
// so can a tool that imports a .reg export.
type MapRegistry map[string]any

// Value implements Registry; key names match case-insensitively, as in the
// Windows registry.
func (m MapRegistry) Value(key, name string) (any, bool, error) {
	want := strings.ToLower(key + `\` + name)
	for k, v := range m {
		if strings.ToLower(k) == want {
			return v, true, nil
		}
	}
	return nil, false, nil
}
