package smb

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// PasswordEnv is the environment variable a password may come from instead
// of a credentials file.
const PasswordEnv = "ROAMFS_SMB_PASSWORD"

// Credentials is who the store logs on to the server as.
type Credentials struct {
	Domain, User, Password string
}

// String never shows the password.
func (c Credentials) String() string {
	if c.Domain != "" {
		return c.Domain + `\` + c.User
	}
	return c.User
}

// LoadCredentials reads an smbclient authentication file (`username = `,
// `password = `, `domain = ` lines; '#' and ';' start comments). The file
// holds a password, so it must not be readable or writable by group or
// others (mode 0600 or stricter), as ssh insists for its keys.
func LoadCredentials(path string) (Credentials, error) {
	var c Credentials
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return c, fmt.Errorf("credentials file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return c, fmt.Errorf("credentials file %s has mode %04o: it holds a password, so it must be 0600 (chmod 600 %s)",
			path, fi.Mode().Perm(), path)
	}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return c, fmt.Errorf("credentials file %s line %d: want `key = value`", path, n)
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "username", "user":
			c.User = val
			if d, u, ok := strings.Cut(val, `\`); ok {
				c.Domain, c.User = d, u
			}
		case "password":
			c.Password = val
		case "domain", "workgroup":
			c.Domain = val
		default:
			return c, fmt.Errorf("credentials file %s line %d: unknown key %q (username, password, domain)", path, n, strings.TrimSpace(key))
		}
	}
	if err := sc.Err(); err != nil {
		return c, fmt.Errorf("credentials file %s: %w", path, err)
	}
	return c, nil
}

// ResolveCredentials merges the address's user and domain with a credentials
// file (if file is not "") or ROAMFS_SMB_PASSWORD. The address wins for the
// user and domain it names.
func ResolveCredentials(t Target, file string) (Credentials, error) {
	var c Credentials
	if file != "" {
		var err error
		if c, err = LoadCredentials(file); err != nil {
			return c, err
		}
	} else {
		c.Password = os.Getenv(PasswordEnv)
	}
	if t.User != "" {
		c.User = t.User
	}
	if t.Domain != "" {
		c.Domain = t.Domain
	}
	if c.User == "" {
		return c, errors.New("no user name: give it in the address (smb://USER@HOST/SHARE) or in the credentials file")
	}
	return c, nil
}
