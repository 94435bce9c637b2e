package service

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/policy"
)

// planJunctions lists the folders of the mounted profile that become
// junctions in the profile folder, profile-relative with '/': each roaming
// folder at the top (Desktop, Documents, … whatever the server copy holds),
// and inside a folder that holds nonroaming ones (AppData holds
// AppData\Local) each roaming folder of it instead (AppData\Roaming), the
// folder itself staying real. Files at the top stay in the volume: a
// junction leads only to a folder.
func planJunctions(mount string, pol *policy.Policy) ([]string, error) {
	var out []string
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(filepath.Join(mount, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("list the mounted profile: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			r := path.Join(rel, e.Name())
			switch {
			case pol.Nonroaming(r):
			case pol.NonroamingBelow(r):
				if err := walk(r); err != nil {
					return err
				}
			default:
				out = append(out, r)
			}
		}
		return nil
	}
	return out, walk("")
}

// placeJunctions makes each planned folder of prof.Home a junction into the
// mount, and removes the junctions into the mount whose folder is gone (the
// user deleted it, here or on another machine). A junction that cannot be
// placed leaves that folder local for the session: it is reported, the
// logon goes on.
func (c *Controller) placeJunctions(prof Profile, pol *policy.Policy) {
	log := c.log.With(zap.String("user", prof.User.Account()))
	rels, err := planJunctions(prof.MountPoint, pol)
	if err != nil {
		log.Error("prepare: no junctions placed; the roaming folders stay local for this session",
			zap.Int("event_id", event.JunctionFailed), zap.Error(err))
		return
	}
	parents := map[string]bool{"": true}
	for _, rel := range rels {
		parents[path.Dir(strings.TrimSuffix(rel, "/"))] = true
		if err := c.placeJunction(prof, rel); err != nil {
			log.Error("prepare: a roaming folder's junction was not placed; it stays local for this session",
				zap.Int("event_id", event.JunctionFailed), zap.String("folder", rel), zap.Error(err))
		}
	}
	for p := range parents {
		if p == "." {
			p = ""
		}
		c.pruneJunctions(prof, p)
	}
}

// placeJunction makes Home\rel a junction to MountPoint\rel. In its place:
// nothing, or a junction leading elsewhere, is (re)placed; an empty folder
// is removed first; a folder with files (or a file) is moved aside to
// NAME.roamfs-local-TIME, never deleted.
func (c *Controller) placeJunction(prof Profile, rel string) error {
	link := filepath.Join(prof.Home, filepath.FromSlash(rel))
	target := filepath.Join(prof.MountPoint, filepath.FromSlash(rel))
	if err := c.realParents(prof.Home, path.Dir(rel)); err != nil {
		return err
	}
	h := c.prep.Home
	cur, isJunction, err := h.Junction(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case isJunction && samePath(cur, target):
		return nil
	case isJunction:
		c.log.Info("prepare: a junction leading elsewhere is replaced", zap.String("junction", link),
			zap.String("was", cur), zap.String("now", target))
		if err := h.Unlink(link); err != nil {
			return err
		}
	case emptyDir(link):
		// Windows' default profile makes some; nothing in them to keep.
		if err := os.Remove(link); err != nil {
			return err
		}
	default:
		aside, err := moveAside(link, c.prep.now())
		if err != nil {
			return fmt.Errorf("move %s aside: %w", link, err)
		}
		c.log.Warn("prepare: a local folder with files was in a roaming folder's place; renamed and kept",
			zap.Int("event_id", event.FolderMovedAside), zap.String("user", prof.User.Account()),
			zap.String("folder", link), zap.String("kept_as", aside))
	}
	return h.Link(link, target)
}

// realParents makes the folders between Home and a junction (AppData) real
// folders: one that is a junction (an earlier plan made AppData one) is
// replaced by a real folder.
func (c *Controller) realParents(home, rel string) error {
	dir := home
	for _, name := range strings.Split(rel, "/") {
		if name == "." || name == "" {
			continue
		}
		dir = filepath.Join(dir, name)
		if _, isJunction, err := c.prep.Home.Junction(dir); err == nil && isJunction {
			if err := c.prep.Home.Unlink(dir); err != nil {
				return err
			}
		}
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// pruneJunctions removes the junctions of Home\rel that lead into the
// mount to a folder that no longer exists there.
func (c *Controller) pruneJunctions(prof Profile, rel string) {
	dir := filepath.Join(prof.Home, filepath.FromSlash(rel))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		link := filepath.Join(dir, e.Name())
		target, isJunction, err := c.prep.Home.Junction(link)
		if err != nil || !isJunction || !within(target, prof.MountPoint) {
			continue
		}
		if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := c.prep.Home.Unlink(link); err != nil {
			c.log.Warn("prepare: the junction of a deleted roaming folder was not removed", zap.String("junction", link), zap.Error(err))
			continue
		}
		c.log.Info("prepare: the junction of a deleted roaming folder was removed", zap.String("junction", link))
	}
}

// moveAside renames p to p.roamfs-local-TIME (a number added when that is
// taken) and returns the new name.
func moveAside(p string, now time.Time) (string, error) {
	base := p + ".roamfs-local-" + now.Format("20060102T150405")
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name, os.Rename(p, name)
}

// emptyDir reports whether p is a folder (not a link to one) with nothing in it.
func emptyDir(p string) bool {
	fi, err := os.Lstat(p)
	if err != nil || !fi.IsDir() {
		return false
	}
	entries, err := os.ReadDir(p)
	return err == nil && len(entries) == 0
}

// samePath compares Windows paths as NTFS does, without case.
func samePath(a, b string) bool {
	return strings.EqualFold(filepath.Clean(a), filepath.Clean(b))
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	p, dir = filepath.Clean(p), filepath.Clean(dir)
	return samePath(p, dir) || len(p) > len(dir) && samePath(p[:len(dir)], dir) && os.IsPathSeparator(p[len(dir)])
}
