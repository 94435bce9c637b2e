package main

import "testing"

func TestProviderOrder(t *testing.T) {
	for _, c := range []struct {
		order, with, without string
	}{
		{"", "roamfs", ""},
		{"RDPNP,LanmanWorkstation,webclient", "RDPNP,LanmanWorkstation,webclient,roamfs", "RDPNP,LanmanWorkstation,webclient"},
		{"RDPNP,roamfs,LanmanWorkstation", "RDPNP,roamfs,LanmanWorkstation", "RDPNP,LanmanWorkstation"},
		{"RDPNP, ROAMFS ,LanmanWorkstation", "RDPNP, ROAMFS ,LanmanWorkstation", "RDPNP,LanmanWorkstation"},
		{"roamfs", "roamfs", ""},
		{"roamfs2,xroamfs", "roamfs2,xroamfs,roamfs", "roamfs2,xroamfs"},
	} {
		with, added := orderWith(c.order, "roamfs")
		if with != c.with || added == inOrder(c.order, "roamfs") {
			t.Errorf("orderWith(%q) = %q, %v; want %q", c.order, with, added, c.with)
		}
		// Installing twice changes nothing the second time.
		if again, changed := orderWith(with, "roamfs"); changed || again != with {
			t.Errorf("orderWith(%q) again = %q, %v", with, again, changed)
		}
		without, removed := orderWithout(with, "roamfs")
		if !removed || !inOrder(with, "roamfs") {
			t.Errorf("orderWithout(%q): not removed", with)
		}
		if want := c.without; without != want && !(c.order == c.without && without == c.order) {
			t.Errorf("orderWithout(%q) = %q, want %q", with, without, want)
		}
		if _, changed := orderWithout(without, "roamfs"); changed {
			t.Errorf("orderWithout(%q) changed an order without roamfs", without)
		}
	}
	// Uninstall after install gives back the order as it was written.
	orig := "RDPNP,LanmanWorkstation,webclient"
	with, _ := orderWith(orig, "roamfs")
	if back, _ := orderWithout(with, "roamfs"); back != orig {
		t.Errorf("install then uninstall: %q, want %q", back, orig)
	}
}
