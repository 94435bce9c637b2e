package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows/registry"

	"roamfs/service"
)

// The network provider (winlogon/np, roamfsnp.dll beside roamfs.exe) is how
// the service hears of a logon before Windows loads the profile: Winlogon
// calls each provider named in the provider order, and a provider is a
// service's NetworkProvider key. Class 2 (WN_CREDENTIAL_CLASS): it is told of
// logons, it serves no drives or shares.
const (
	npDLLName    = "roamfsnp.dll"
	npServiceKey = `SYSTEM\CurrentControlSet\Services\` + service.Name + `\NetworkProvider`
	npOrderKey   = `SYSTEM\CurrentControlSet\Control\NetworkProvider\Order`
	npOrderValue = "ProviderOrder"
	npClass      = 2 // WN_CREDENTIAL_CLASS
	npName       = "roamfs roaming profiles"
)

// registerProvider names dll as the service's network provider and puts the
// service in the provider order; both steps accept what an earlier install
// did. The NetworkProvider key lives under the service's own key, so the
// service must exist first.
func registerProvider(dll string) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, npServiceKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("register the network provider (HKLM\\%s): %w", npServiceKey, err)
	}
	defer k.Close()
	for _, set := range []func() error{
		func() error { return k.SetExpandStringValue("ProviderPath", dll) },
		func() error { return k.SetStringValue("Name", npName) },
		func() error { return k.SetDWordValue("Class", npClass) },
	} {
		if err := set(); err != nil {
			return fmt.Errorf("register the network provider (HKLM\\%s): %w", npServiceKey, err)
		}
	}
	return editProviderOrder(orderWith)
}

// unregisterProvider takes the service out of the provider order and removes
// its NetworkProvider key; what is already gone is fine.
func unregisterProvider() error {
	if err := editProviderOrder(orderWithout); err != nil {
		return err
	}
	err := registry.DeleteKey(registry.LOCAL_MACHINE, npServiceKey)
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("remove the network provider (HKLM\\%s): %w", npServiceKey, err)
	}
	return nil
}

// editProviderOrder rewrites ProviderOrder with edit's result, only when it
// changes, keeping the value's type.
func editProviderOrder(edit func(order, name string) (string, bool)) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, npOrderKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open the network provider order (HKLM\\%s): %w", npOrderKey, err)
	}
	defer k.Close()
	order, typ, err := k.GetStringValue(npOrderValue)
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("read HKLM\\%s\\%s: %w", npOrderKey, npOrderValue, err)
	}
	next, changed := edit(order, service.Name)
	if !changed {
		return nil
	}
	if typ == registry.EXPAND_SZ {
		err = k.SetExpandStringValue(npOrderValue, next)
	} else {
		err = k.SetStringValue(npOrderValue, next)
	}
	if err != nil {
		return fmt.Errorf("write HKLM\\%s\\%s: %w", npOrderKey, npOrderValue, err)
	}
	return nil
}

// providerState is what `service status` says about the network provider.
type providerState struct {
	Path       string // ProviderPath as registered; "" = not registered
	InOrder    bool   // named in ProviderOrder
	DLLPresent bool   // the registered DLL exists
}

func readProvider() (providerState, error) {
	var st providerState
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, npServiceKey, registry.QUERY_VALUE)
	switch {
	case errors.Is(err, registry.ErrNotExist):
	case err != nil:
		return st, fmt.Errorf("open HKLM\\%s: %w", npServiceKey, err)
	default:
		st.Path, _, err = k.GetStringValue("ProviderPath")
		k.Close()
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			return st, fmt.Errorf("read HKLM\\%s\\ProviderPath: %w", npServiceKey, err)
		}
		if p, err := registry.ExpandString(st.Path); err == nil && st.Path != "" {
			_, err := os.Stat(p)
			st.DLLPresent = err == nil
		}
	}
	k, err = registry.OpenKey(registry.LOCAL_MACHINE, npOrderKey, registry.QUERY_VALUE)
	if err == nil {
		order, _, _ := k.GetStringValue(npOrderValue)
		k.Close()
		st.InOrder = inOrder(order, service.Name)
	}
	return st, nil
}

// providerDLL is the network provider shipped beside exe, if it is there.
func providerDLL(exe string) (string, bool) {
	p := filepath.Join(filepath.Dir(exe), npDLLName)
	_, err := os.Stat(p)
	return p, err == nil
}
