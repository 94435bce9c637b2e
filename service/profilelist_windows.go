package service

import (
	"errors"
	"fmt"

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
