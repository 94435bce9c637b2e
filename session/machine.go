package session

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"roamfs/cachedir"
)

// MachineName names this machine in conflict copies and in the server's
// record of the last sync: the host name and a short machine id, so two
// machines with the same host name (cloned desktops, pooled VMs named alike)
// still give conflict copies that can be told apart.
func MachineName(l cachedir.Layout) string {
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	if id := machineID(l); id != "" {
		return host + "-" + id
	}
	return host
}

var hexID = regexp.MustCompile(`^[0-9a-f]{12,}$`)

// machineID is the first 6 hex digits of the system's machine id
// (/etc/machine-id, as systemd and D-Bus keep it), else of an id made once
// and kept in the cache's state directory (Windows, or a system without one).
func machineID(l cachedir.Layout) string {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(p); err == nil {
			if id := strings.TrimSpace(string(b)); hexID.MatchString(id) {
				return id[:6]
			}
		}
	}
	p := filepath.Join(l.State(), "machine-id")
	if b, err := os.ReadFile(p); err == nil {
		if id := strings.TrimSpace(string(b)); hexID.MatchString(id) {
			return id[:6]
		}
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return ""
	}
	id := hex.EncodeToString(r[:])
	if err := os.WriteFile(p, []byte(id+"\n"), 0o600); err != nil {
		return ""
	}
	return id[:6]
}
