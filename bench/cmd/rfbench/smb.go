package main

// Issue 16, item 5: roamfs through SMB against smbclient, on one private
// smbd (internal/smbdtest, the server the tests use) on loopback, at 10,000
// files:
//   first logon: `roamfs logon --server smb://...` into an empty cache, once
//   streamed (the default policy: returns once mounted) and once with
//   PSEnabled false (everything copied before it returns: the fair match
//   for a full copy), against `smbclient -c 'recurse ON; mget *'` of the same
//   tree into an empty directory; page cache dropped before each;
//   logoff: log on (the cache is there), change files through the mount, time
//   `roamfs logoff`, against `smbclient -c 'recurse ON; mput *'` of the same
//   cache into a fresh folder of the share (smbclient has no delta: a full
//   recursive put is what a copy without a journal does).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"

	"roamfs/internal/smbdtest"
)

type smbLogonRun struct {
	Streamed, Full, Get float64 // seconds
}

type smbLogoffRun struct {
	Logoff, Put float64 // seconds
	Changed     int
}

type smbResult struct {
	Files   int
	Bytes   int64
	Dirs    int
	Samba   string
	Logon   []smbLogonRun
	Logoff  []smbLogoffRun
	Changes int
	Skipped string `json:",omitempty"` // why the section did not run (no Samba here)
	Err     string `json:",omitempty"`
}

// smbSession is what every roamfs and smbclient call of the section needs.
type smbSession struct {
	srv        *smbdtest.Server
	url        string // the profile's smb:// address
	creds      string // smbclient's authentication file, mode 0600
	fullPolicy string // PSEnabled: false
}

func (h *harness) benchSMB(ctx context.Context) *smbResult {
	res := &smbResult{Files: h.cfg.smbFiles, Changes: h.cfg.changes}
	if why := smbdtest.Available(); why != "" {
		res.Skipped = why
		return res
	}
	if _, err := exec.LookPath("smbclient"); err != nil {
		res.Skipped = "smbclient is not installed (apt-get install smbclient)"
		return res
	}
	res.Samba = smbdtest.Version()
	if err := h.benchSMBRuns(ctx, res); err != nil {
		res.Err = err.Error()
	}
	return res
}

func (h *harness) benchSMBRuns(ctx context.Context, res *smbResult) error {
	root := filepath.Join(h.work, "smb")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	srv, err := smbdtest.StartIn(filepath.Join(root, "server"), h.onCleanup)
	if err != nil {
		return err
	}
	defer srv.Stop()
	s := &smbSession{srv: srv, url: srv.URL("profiles", "u"), creds: filepath.Join(root, "smb-credentials")}
	if err := os.WriteFile(s.creds, []byte("username = "+smbdtest.User+"\npassword = "+smbdtest.Password+"\n"), 0o600); err != nil {
		return err
	}
	s.fullPolicy = filepath.Join(root, "full.yaml")
	if err := os.WriteFile(s.fullPolicy, []byte("PSEnabled: false\n"), 0o644); err != nil {
		return err
	}
	server := filepath.Join(srv.Shares["profiles"], "u")
	h.logf("smb: generating %d files on the share (%s)", res.Files, smbdtest.Version())
	info, err := generateProfile(ctx, server, res.Files, h.cfg.seed)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	res.Bytes, res.Dirs = info.Bytes, info.Dirs
	if err := chownTree(server, smbdtest.User); err != nil {
		return err
	}
	mnt := filepath.Join(root, "mnt")
	var cache string
	for run := 0; run < h.cfg.runs; run++ {
		var r smbLogonRun
		// Rotate which goes first, as the other sections rotate targets.
		steps := []func() error{
			func() error {
				var err error
				r.Streamed, err = h.smbFirstLogon(ctx, s, filepath.Join(root, fmt.Sprintf("stream%d", run)), mnt, false)
				return err
			},
			func() error {
				cache = filepath.Join(root, fmt.Sprintf("full%d", run))
				var err error
				r.Full, err = h.smbFirstLogon(ctx, s, cache, mnt, true)
				return err
			},
			func() error {
				var err error
				r.Get, err = h.smbGet(ctx, s, filepath.Join(root, fmt.Sprintf("get%d", run)))
				return err
			},
		}
		for i := range steps {
			h.logf("smb: first logon run %d/%d, step %d", run+1, h.cfg.runs, (i+run)%len(steps)+1)
			if err := steps[(i+run)%len(steps)](); err != nil {
				return err
			}
		}
		res.Logon = append(res.Logon, r)
		h.safeRemoveAll(filepath.Join(root, fmt.Sprintf("stream%d", run)))
		h.safeRemoveAll(filepath.Join(root, fmt.Sprintf("get%d", run)))
		if run < h.cfg.runs-1 {
			h.safeRemoveAll(cache)
		}
	}
	files := append([]string(nil), info.paths...)
	for run := 0; run < h.cfg.runs; run++ {
		h.logf("smb: logoff run %d/%d", run+1, h.cfg.runs)
		var r smbLogoffRun
		m, _, err := h.logon(ctx, s.url, cache, mnt, "--credentials", s.creds)
		if err != nil {
			return fmt.Errorf("logon: %w", err)
		}
		rng := rand.New(rand.NewPCG(h.cfg.seed, uint64(run)+2000))
		files, r.Changed, err = changeFiles(mnt, files, h.cfg.changes, run, rng)
		if err != nil {
			h.logoff(ctx, m)
			return fmt.Errorf("change files through the mount: %w", err)
		}
		d, err := h.logoff(ctx, m)
		if err != nil {
			return err
		}
		r.Logoff = d.Seconds()
		dest := fmt.Sprintf("put%d", run)
		if r.Put, err = h.smbclient(ctx, s, filepath.Join(cache, "profile"), "mkdir "+dest+"; cd "+dest+"; mput *"); err != nil {
			return err
		}
		h.safeRemoveAll(filepath.Join(srv.Shares["profiles"], dest))
		res.Logoff = append(res.Logoff, r)
	}
	return nil
}

// smbFirstLogon logs on into an empty cache from a cold page cache and logs
// off again (untimed); it returns the logon's seconds.
func (h *harness) smbFirstLogon(ctx context.Context, s *smbSession, cache, mnt string, full bool) (float64, error) {
	args := []string{"--credentials", s.creds}
	if full {
		args = append(args, "--policy", s.fullPolicy)
	}
	if err := h.dropCaches(); err != nil {
		return 0, err
	}
	m, d, err := h.logon(ctx, s.url, cache, mnt, args...)
	if err != nil {
		return 0, fmt.Errorf("first logon (full %v): %w", full, err)
	}
	if _, err := h.logoff(ctx, m); err != nil {
		return 0, fmt.Errorf("logoff after first logon: %w", err)
	}
	return d.Seconds(), nil
}

// smbGet is smbclient's recursive get of the profile into the empty dir.
func (h *harness) smbGet(ctx context.Context, s *smbSession, dir string) (float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	if err := h.dropCaches(); err != nil {
		return 0, err
	}
	return h.smbclient(ctx, s, dir, "cd u; mget *")
}

// smbclient runs commands on the profiles share with recursion on, no
// prompts and dir as the local directory, and times it. The password is in
// the authentication file, not on the command line.
func (h *harness) smbclient(ctx context.Context, s *smbSession, dir, cmds string) (float64, error) {
	return h.timeCmd(ctx, "smbclient", "//127.0.0.1/profiles", "-p", strconv.Itoa(s.srv.Port), "-A", s.creds,
		"-c", "prompt OFF; recurse ON; lcd "+dir+"; "+cmds)
}

// chownTree gives the tree to the account smbd serves the share as.
func chownTree(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}
