//go:build windows

package policy

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// WindowsRegistry reads the live registry. With UserSID set, HKCU means that
// user's hive under HKEY_USERS: a service running as SYSTEM reads the policy
// of the user logging on, not its own.
type WindowsRegistry struct {
	UserSID string
}

// Value implements Registry.
func (w WindowsRegistry) Value(key, name string) (any, bool, error) {
	root, path, ok := strings.Cut(key, `\`)
	if !ok {
		return nil, false, fmt.Errorf("registry key %q has no hive", key)
	}
	var hive registry.Key
	switch strings.ToUpper(root) {
	case "HKLM", "HKEY_LOCAL_MACHINE":
		hive = registry.LOCAL_MACHINE
	case "HKCU", "HKEY_CURRENT_USER":
		hive = registry.CURRENT_USER
		if w.UserSID != "" {
			hive, path = registry.USERS, w.UserSID+`\`+path
		}
	default:
		return nil, false, fmt.Errorf("registry hive %q not supported", root)
	}
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer k.Close()
	_, typ, err := k.GetValue(name, nil)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	switch typ {
	case registry.DWORD:
		v, _, err := k.GetIntegerValue(name)
		return uint32(v), err == nil, err
	case registry.SZ, registry.EXPAND_SZ:
		v, _, err := k.GetStringValue(name)
		return v, err == nil, err
	case registry.MULTI_SZ:
		v, _, err := k.GetStringsValue(name)
		return v, err == nil, err
	}
	return nil, false, fmt.Errorf("%s\\%s: %w (type %d)", key, name, ErrRegistryType, typ)
}
