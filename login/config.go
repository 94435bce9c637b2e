package login

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultConfigFile is the machine's configuration: what `roamfs pam` reads
// unless told otherwise, and what the roamfs@.service unit reads.
const DefaultConfigFile = "/etc/roamfs/roamfs.yaml"

// Config is the machine-wide configuration of Linux logins, one YAML mapping
// whose keys follow the policy file's style (Group Policy–like names).
type Config struct {
	// ServerPathTemplate is each user's server copy, %USERNAME% expanded
	// (e.g. /srv/profiles/%USERNAME%): the machine's MachineProfilePath.
	// Required.
	ServerPathTemplate string
	// PolicyFile is the policy every user's session runs with ("" = defaults).
	PolicyFile string
	// MountPoint is where the profile is mounted, %USERNAME% and %HOME% (the
	// user's home directory) expanded: "%HOME%/Profile" by default, "%HOME%"
	// mounts over the home itself, as pam_mount setups do.
	MountPoint string
	// CacheRoot holds one cache per user (CacheRoot/NAME).
	CacheRoot string
	// MinUID: accounts below it (root, system accounts) never roam.
	MinUID int
	// Groups, when set, limits roaming to members of these groups (by name).
	Groups []string
	// LogFile receives the hook's own log (JSON lines), beside the journal.
	LogFile string
	// StateDir holds the per-user session counts; under /run, so a reboot
	// (which ends every session) clears it.
	StateDir string
}

// defaults are the values of the keys a file leaves out.
func defaults() Config {
	return Config{
		MountPoint: "%HOME%/Profile",
		CacheRoot:  "/var/lib/roamfs/cache",
		MinUID:     1000,
		LogFile:    "/var/log/roamfs/pam.log",
		StateDir:   "/run/roamfs",
	}
}

// LoadConfig reads the configuration file at path.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read the roamfs login configuration: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig reads a configuration document; source names it in errors.
// An unknown key, a value of the wrong type, a missing ServerPathTemplate
// or a relative path is an error naming the line: nothing is mounted for
// anyone until the file is right, as with a bad policy file.
func ParseConfig(data []byte, source string) (Config, error) {
	c := defaults()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return c, fmt.Errorf("%s: invalid YAML: %w", source, err)
	}
	if len(doc.Content) == 0 {
		return c, fmt.Errorf("%s: empty; ServerPathTemplate is required", source)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return c, fmt.Errorf("%s line %d: the file must be a mapping of keys to values", source, root.Line)
	}
	fields := c.fields()
	var errs []error
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		dst, ok := fields[k.Value]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s line %d: unknown key %q; the keys are %s", source, k.Line, k.Value, keyList(fields)))
		case seen[k.Value]:
			errs = append(errs, fmt.Errorf("%s line %d: %s is given twice", source, k.Line, k.Value))
		default:
			if err := v.Decode(dst); err != nil {
				errs = append(errs, fmt.Errorf("%s line %d: %s: %s", source, v.Line, k.Value, typeMsg(err)))
			}
		}
		seen[k.Value] = true
	}
	if len(errs) == 0 {
		errs = c.check(source)
	}
	return c, errors.Join(errs...)
}

// fields maps each key to where its value goes.
func (c *Config) fields() map[string]any {
	return map[string]any{
		"ServerPathTemplate": &c.ServerPathTemplate, "PolicyFile": &c.PolicyFile, "MountPoint": &c.MountPoint,
		"CacheRoot": &c.CacheRoot, "MinUID": &c.MinUID, "Groups": &c.Groups, "LogFile": &c.LogFile, "StateDir": &c.StateDir,
	}
}

// check is what a well-formed file must also satisfy.
func (c *Config) check(source string) []error {
	var errs []error
	if strings.TrimSpace(c.ServerPathTemplate) == "" {
		errs = append(errs, fmt.Errorf("%s: ServerPathTemplate is required (e.g. /srv/profiles/%%USERNAME%%)", source))
	}
	for key, p := range map[string]string{"PolicyFile": c.PolicyFile, "MountPoint": c.MountPoint, "CacheRoot": c.CacheRoot, "LogFile": c.LogFile, "StateDir": c.StateDir} {
		if p != "" && !filepath.IsAbs(p) && !strings.HasPrefix(strings.ToUpper(p), "%HOME%") {
			errs = append(errs, fmt.Errorf("%s: %s %q must be an absolute path", source, key, p))
		}
	}
	for key, p := range map[string]string{"MountPoint": c.MountPoint, "CacheRoot": c.CacheRoot, "StateDir": c.StateDir} {
		if p == "" {
			errs = append(errs, fmt.Errorf("%s: %s must not be empty", source, key))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

func keyList(fields map[string]any) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// typeMsg shortens yaml.v3's "yaml: unmarshal errors:\n  line 3: cannot
// unmarshal !!str `x` into int" to its reason.
func typeMsg(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": cannot"); i >= 0 {
		msg = msg[i+2:]
	}
	return strings.TrimSpace(msg)
}
