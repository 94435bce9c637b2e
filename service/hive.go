package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/internal/entry"
	"roamfs/internal/winname"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/syncer"
)

// The hive (policy HiveFiles, NTUSER.DAT) lives in the NTFS profile folder,
// outside the roamfs volume, and travels on its own stream between it and
// the server copy: brought in before Windows loads it, sent back once
// Windows has unloaded it. Whole files, the newer wins (syncer.DecideHive),
// never merged, as Windows' own roaming does.

// hiveFile is one hive file on both sides.
type hiveFile struct {
	server string // its name on the server copy ("" = not there)
	local  string // its path in the profile folder
	srv    syncer.Version
	loc    syncer.Version
}

// findHive looks name up on both sides, as Windows compares names.
func findHive(ctx context.Context, st store.Store, home, name string) (hiveFile, error) {
	h := hiveFile{local: filepath.Join(home, name)}
	if entries, err := os.ReadDir(home); err == nil {
		for _, e := range entries {
			if winname.Equal(e.Name(), name) {
				h.local = filepath.Join(home, e.Name())
			}
		}
	}
	err := st.Walk(ctx, "", func(i store.Info) error {
		if i.Kind == store.KindDir {
			return fs.SkipDir
		}
		if i.Kind == store.KindFile && winname.Equal(i.Path, name) {
			h.server = i.Path
			h.srv = syncer.Version{Kind: entry.KindFile, Size: i.Size, MTime: i.MTime}
		}
		return nil
	})
	if err != nil {
		return h, fmt.Errorf("list the server copy %s: %w", st.Root(), err)
	}
	fi, err := os.Lstat(h.local)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return h, fmt.Errorf("hive %s: %w", h.local, err)
	case fi.Mode().IsRegular():
		mtime := fi.ModTime()
		if l := store.LimitsOf(st); l != nil {
			// Compared at the server's fidelity, as the syncer compares.
			_, mtime = l.Kept(entry.KindFile, 0, mtime)
		}
		h.loc = syncer.Version{Kind: entry.KindFile, Size: fi.Size(), MTime: mtime}
	default:
		return h, fmt.Errorf("hive %s is not a regular file", h.local)
	}
	return h, nil
}

// decide is the hive rule without a base: this side keeps no journal for the
// profile folder, and a hive copied in carries the server's mtime, so "the
// same as the server" is what "unchanged since" would say.
func (h hiveFile) decide() syncer.Decision {
	return syncer.DecideHive(syncer.Version{}, h.srv, h.loc)
}

// bringHives brings each hive file the server holds into the profile folder,
// or sends the local one up when it is the newer (a logoff that found the
// hive still loaded left it). When Windows has loaded the hive already (no
// network provider), nothing can be replaced: a newer hive on the server is
// reported, and the logoff's newer-wins settles it.
func (c *Controller) bringHives(ctx context.Context, prof Profile, pol *policy.Policy) error {
	loaded, err := c.prep.Home.HiveLoaded(prof.User.SID)
	if err != nil {
		return fmt.Errorf("is the hive of %s loaded: %w", prof.User.Account(), err)
	}
	st, err := c.prep.Open(ctx, prof.Server)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new roaming profile: the session's logon makes the server folder
	}
	if err != nil {
		return fmt.Errorf("open the server copy %s for the hive: %w", prof.Server, err)
	}
	defer closeStore(st)
	log := c.log.With(zap.String("user", prof.User.Account()))
	for _, name := range pol.HiveFiles {
		h, err := findHive(ctx, st, prof.Home, name)
		if err != nil {
			return err
		}
		d := h.decide()
		switch {
		case loaded && (d.Action == syncer.ActKeepServer || !h.loc.Present() && h.srv.Present()):
			log.Warn("prepare: Windows has loaded the hive already; the server's is newer and is merged at logoff (the newer wins)",
				zap.Int("event_id", event.HiveLoadedFirst), zap.String("hive", h.local))
		case loaded:
		case d.Action == syncer.ActUpload:
			if err := c.sendHive(ctx, st, h, name); err != nil {
				return err
			}
		case d.Action == syncer.ActKeepServer || !h.loc.Present() && h.srv.Present():
			if err := fetchHive(ctx, st, h); err != nil {
				return err
			}
			log.Info("prepare: the hive was brought from the server copy", zap.Int("event_id", event.HivePrepared),
				zap.String("hive", h.local), zap.String("rule", d.Rule))
		}
	}
	return nil
}

// fetchHive writes the server's hive beside the local one and renames it
// over it, with the server's mtime (so that an unchanged hive compares the
// same at logoff). The hive it replaces goes to NAME.roamfs-previous with
// its transaction logs (NAME.LOG*): logs of another hive must never be
// replayed onto this one, and nothing is deleted.
func fetchHive(ctx context.Context, st store.Store, h hiveFile) error {
	r, info, err := st.Open(ctx, h.server)
	if err != nil {
		return fmt.Errorf("hive %s: %w", h.server, err)
	}
	defer r.Close()
	f, err := os.CreateTemp(filepath.Dir(h.local), ".roamfs-hive-*")
	if err != nil {
		return fmt.Errorf("hive %s: %w", h.local, err)
	}
	tmp := f.Name()
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(tmp, info.MTime, info.MTime)
	}
	if err == nil && h.loc.Present() {
		err = keepPrevious(h.local)
	}
	if err == nil {
		err = os.Rename(tmp, h.local)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bring hive %s into %s: %w", h.server, h.local, err)
	}
	return nil
}

// keepPrevious moves hive and its logs to hive.roamfs-previous(.LOGn),
// over an earlier previous one.
func keepPrevious(hive string) error {
	dir, base := filepath.Split(hive)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if len(n) < len(base) || !winname.Equal(n[:len(base)], base) {
			continue
		}
		rest := n[len(base):]
		if rest != "" && !strings.HasPrefix(strings.ToUpper(rest), ".LOG") {
			continue
		}
		if err := os.Rename(filepath.Join(dir, n), filepath.Join(dir, base+".roamfs-previous"+rest)); err != nil {
			return err
		}
	}
	return nil
}

// sendHive uploads the local hive (the newer) by the hive protocol.
func (c *Controller) sendHive(ctx context.Context, st store.Store, h hiveFile, name string) error {
	f, err := os.Open(h.local)
	if err != nil {
		return fmt.Errorf("hive %s: %w", h.local, err)
	}
	defer f.Close()
	rel := h.server
	if rel == "" {
		rel = name
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("hive %s: %w", h.local, err)
	}
	v := syncer.Version{Kind: entry.KindFile, Size: fi.Size(), MTime: fi.ModTime(), Mode: entry.ToPOSIX(fi.Mode())}
	if _, err := syncer.PutHive(ctx, st, rel, f, v); err != nil {
		return fmt.Errorf("upload hive %s to %s: %w", h.local, st.Root(), err)
	}
	c.log.Info("the hive of the local profile folder was uploaded (the newer hive wins)",
		zap.Int("event_id", event.HiveUploaded), zap.String("hive", h.local), zap.String("server", st.Root()))
	return nil
}

// sendHives uploads each hive file that is newer than the server's, once
// Windows has unloaded the hive (at most UnloadWait; at shutdown not at all).
func (c *Controller) sendHives(ctx context.Context, prof Profile, wait bool) error {
	loaded, err := c.waitUnloaded(ctx, prof.User.SID, wait)
	if err != nil {
		return err
	}
	if loaded {
		c.log.Warn("logoff: the hive is still loaded; it is uploaded by the next preparation if it is the newer",
			zap.Int("event_id", event.HiveStillLoaded), zap.String("user", prof.User.Account()))
		return nil
	}
	pol, err := c.prep.Policy(prof.User)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	st, err := c.prep.Open(ctx, prof.Server)
	if err != nil {
		return fmt.Errorf("open the server copy %s for the hive: %w", prof.Server, err)
	}
	defer closeStore(st)
	for _, name := range pol.HiveFiles {
		h, err := findHive(ctx, st, prof.Home, name)
		if err != nil {
			return err
		}
		switch d := h.decide(); d.Action {
		case syncer.ActUpload:
			if err := c.sendHive(ctx, st, h, name); err != nil {
				return err
			}
		case syncer.ActKeepServer:
			c.log.Warn("logoff: the server's hive is newer (written on another machine since); it is kept",
				zap.String("user", prof.User.Account()), zap.String("hive", h.local), zap.String("rule", d.Rule))
		}
	}
	return nil
}

// hivePoll is how often the logoff looks whether Windows unloaded the hive.
const hivePoll = 500 * time.Millisecond

// waitUnloaded waits for the hive of sid to be unloaded, at most UnloadWait
// when wait is set, and reports whether it is still loaded.
func (c *Controller) waitUnloaded(ctx context.Context, sid string, wait bool) (bool, error) {
	deadline := c.prep.now().Add(c.prep.UnloadWait)
	for {
		loaded, err := c.prep.Home.HiveLoaded(sid)
		if err != nil || !loaded || !wait || !c.prep.now().Before(deadline) {
			return loaded, err
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(hivePoll):
		}
	}
}

func closeStore(st store.Store) {
	if c, ok := st.(io.Closer); ok {
		c.Close()
	}
}
