package main

import "strings"

// Winlogon calls the network providers named, comma-separated, in
// HKLM\SYSTEM\CurrentControlSet\Control\NetworkProvider\Order\ProviderOrder,
// in that order. Install appends roamfs (after the providers that serve
// drives and shares: their order decides which one answers a UNC path, and
// roamfs serves none) and uninstall takes out exactly that entry, leaving
// the others as written. Written without build tags so the Linux tests
// check it; netprovider_windows.go reads and writes the value.

// orderWith returns order with name appended; changed is false when it was
// there already (names compare without case, as Windows' do).
func orderWith(order, name string) (string, bool) {
	entries := splitOrder(order)
	for _, e := range entries {
		if strings.EqualFold(e, name) {
			return order, false
		}
	}
	return strings.Join(append(entries, name), ","), true
}

// orderWithout returns order without name; changed is false when it was
// not there.
func orderWithout(order, name string) (string, bool) {
	entries := splitOrder(order)
	kept := entries[:0]
	for _, e := range entries {
		if !strings.EqualFold(e, name) {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(entries) {
		return order, false
	}
	return strings.Join(kept, ","), true
}

// inOrder reports whether name is one of order's providers.
func inOrder(order, name string) bool {
	_, changed := orderWith(order, name)
	return !changed
}

// splitOrder splits ProviderOrder at its commas, dropping blanks and the
// spaces an administrator may have typed around a name.
func splitOrder(order string) []string {
	var out []string
	for _, e := range strings.Split(order, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
