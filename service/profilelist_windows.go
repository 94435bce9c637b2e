package service

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/windows/registry"
)

const profileListKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\`

// RegistryProfileList reads the live ProfileList.
type RegistryProfileList struct{}

// Entry implements ProfileList.
func (RegistryProfileList) Entry(sid string) (image, central string, ok bool, err error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileListKey+sid, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("open ProfileList\\%s: %w", sid, err)
	}
	defer k.Close()
	image, _, err = k.GetStringValue("ProfileImagePath")
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return "", "", false, fmt.Errorf("ProfileList\\%s\\ProfileImagePath: %w", sid, err)
	}
	if image != "" {
		if image, err = registry.ExpandString(image); err != nil {
			return "", "", false, fmt.Errorf("expand ProfileImagePath of %s: %w", sid, err)
		}
	}
	central, _, err = k.GetStringValue("CentralProfile")
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return "", "", false, fmt.Errorf("ProfileList\\%s\\CentralProfile: %w", sid, err)
	}
	return image, central, true, nil
}

// ProfilesDirectory is the folder Windows creates new profiles in: the
// ProfileList's ProfilesDirectory (REG_EXPAND_SZ, "%SystemDrive%\Users" by
// default; moved by unattended setups). The returned folder is always usable:
// when the value cannot be read it is %SystemDrive%\Users, and err says why,
// for the service's log.
func ProfilesDirectory() (dir string, err error) {
	drive := os.Getenv("SystemDrive")
	if drive == "" {
		drive = "C:"
	}
	fallback := drive + `\Users`
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, strings.TrimSuffix(profileListKey, `\`), registry.QUERY_VALUE)
	if err != nil {
		return fallback, fmt.Errorf("open ProfileList (using %s for first logons): %w", fallback, err)
	}
	defer k.Close()
	dir, _, err = k.GetStringValue("ProfilesDirectory")
	if err == nil {
		dir, err = registry.ExpandString(dir)
	}
	if err == nil && dir == "" {
		err = errors.New("empty")
	}
	if err != nil {
		return fallback, fmt.Errorf("ProfileList\\ProfilesDirectory (using %s for first logons; check the value): %w", fallback, err)
	}
	return dir, nil
}
