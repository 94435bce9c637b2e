package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/syncer"
)

// conflictCopy is one line of `roamfs conflicts --json`.
type conflictCopy struct {
	Copy     string    `json:"copy"`     // the copy's profile path
	Original string    `json:"original"` // the path it is a version of
	Host     string    `json:"host"`     // the machine whose version it keeps
	MTime    time.Time `json:"mtime"`    // that version's time
	Size     int64     `json:"size"`
}

func newConflictsCmd() *cobra.Command {
	var cache string
	var asJSON bool
	c := &cobra.Command{
		Use:   "conflicts [--json] --cache DIR",
		Short: "List the conflict copies in the profile: the original path, the machine and time of the version each keeps",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			if !l.Exists() {
				return usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
			}
			copies, err := listConflicts(l.Profile())
			if err != nil {
				return err
			}
			// A streamed logon leaves folders unmaterialized: empty in the
			// cache, their entries in the namespace. Their copies are listed
			// from there, not by materializing (a listing must not fetch).
			lazy, err := session.LazyConflictCopies(l)
			if err != nil {
				return fmt.Errorf("list the folders not yet materialized: %w", err)
			}
			copies = mergeLazyCopies(copies, lazy)
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				for _, cp := range copies {
					enc.Encode(cp)
				}
				return nil
			}
			if len(copies) == 0 {
				fmt.Fprintln(out, "no conflict copies")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORIGINAL\tHOST\tTIME\tSIZE\tCOPY")
			for _, cp := range copies {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cp.Original, cp.Host, stamp(cp.MTime), humanize.IBytes(uint64(cp.Size)), cp.Copy)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory")
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line (keys copy original host mtime size)")
	c.AddCommand(newConflictsRestoreCmd())
	return c
}

// listConflicts walks the cache's copy of the profile (read only: it may be
// mounted) for conflict copies.
func listConflicts(profile string) ([]conflictCopy, error) {
	var out []conflictCopy
	err := filepath.WalkDir(profile, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // an unreadable folder lists as empty
		}
		rel, _ := filepath.Rel(profile, p)
		rel = filepath.ToSlash(rel)
		orig, host, mtime, ok := syncer.ParseConflictName(rel)
		if !ok {
			return nil
		}
		cp := conflictCopy{Copy: rel, Original: orig, Host: host, MTime: mtime}
		if fi, err := d.Info(); err == nil {
			cp.Size = fi.Size()
		}
		out = append(out, cp)
		return nil
	})
	return out, err
}

// mergeLazyCopies adds the conflict copies below folders not yet
// materialized to those found in the cache (a folder materialized while
// both were read gives the same copy twice: it is listed once), by path.
func mergeLazyCopies(copies []conflictCopy, lazy []session.LazyFile) []conflictCopy {
	seen := map[string]bool{}
	for _, cp := range copies {
		seen[cp.Copy] = true
	}
	for _, f := range lazy {
		if seen[f.Path] {
			continue
		}
		seen[f.Path] = true
		orig, host, mtime, _ := syncer.ParseConflictName(f.Path)
		copies = append(copies, conflictCopy{Copy: f.Path, Original: orig, Host: host, MTime: mtime, Size: f.Size})
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].Copy < copies[j].Copy })
	return copies
}

func newConflictsRestoreCmd() *cobra.Command {
	var cache string
	c := &cobra.Command{
		Use:   "restore [--cache DIR] COPY",
		Short: "Put a conflict copy back as the current version (journaled and synced like any change; the replaced version is kept as a conflict copy)",
		Long: `restore makes the version a conflict copy keeps the current one again, through
the mounted profile: the current file is renamed to a conflict copy of its own
(named after this machine and its time), and the copy takes the original name
with the current time, so the next logoff uploads it as a normal change. COPY
is the copy's path in the mount, or its profile path with --cache.`,
		Args: exactArgs(1, "COPY"),
		RunE: func(c *cobra.Command, args []string) error {
			return restoreConflict(c, cache, args[0])
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory (COPY is then a profile path)")
	return c
}

func restoreConflict(c *cobra.Command, cache, copyArg string) error {
	mnt, rel, l, err := conflictTarget(cache, copyArg)
	if err != nil {
		return err
	}
	orig, _, _, ok := syncer.ParseConflictName(rel)
	if !ok {
		return usageError{fmt.Errorf("%s is not a conflict copy (want NAME (conflict HOST DATE TIME).EXT)", rel)}
	}
	at := func(p string) string { return filepath.Join(mnt, filepath.FromSlash(p)) }
	if fi, err := os.Lstat(at(rel)); err != nil || !fi.Mode().IsRegular() {
		return usageError{fmt.Errorf("conflict copy %s: not a file in the mounted profile (%v)", rel, err)}
	}
	var kept string
	if fi, err := os.Lstat(at(orig)); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a file: restore it by hand", orig)
		}
		kept = freeConflictName(at, syncer.ConflictName(orig, session.MachineName(l), fi.ModTime()))
		if kept == "" {
			return fmt.Errorf("no free conflict copy name for %s", orig)
		}
		if err := os.Rename(at(orig), at(kept)); err != nil {
			return fmt.Errorf("keep the current %s as %s: %w", orig, kept, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(at(rel), at(orig)); err != nil {
		return fmt.Errorf("restore %s from %s: %w", orig, rel, err)
	}
	// A restore is a new write: with the copy's old time it would lose the
	// next conflict against anything written since.
	now := time.Now()
	if err := os.Chtimes(at(orig), now, now); err != nil {
		return fmt.Errorf("restore %s: %w", orig, err)
	}
	out := c.OutOrStdout()
	fmt.Fprintf(out, "restored %s from %s\n", orig, rel)
	if kept != "" {
		fmt.Fprintf(out, "the version it replaced is kept as %s\n", kept)
	}
	fmt.Fprintln(out, "the change is in the journal and reaches the server at the next logoff")
	return nil
}

// freeConflictName returns name, or its first numbered form, that nothing in
// the mount holds yet: the copy being restored may carry the very name the
// current version would get (same machine, same second), and a rename onto
// it would destroy it.
func freeConflictName(at func(string) string, name string) string {
	for n := 1; n < 100; n++ {
		cand := name
		if n > 1 {
			cand = syncer.NumberedConflictName(name, n)
		}
		if _, err := os.Lstat(at(cand)); errors.Is(err, fs.ErrNotExist) {
			return cand
		}
	}
	return ""
}

// conflictTarget finds the mounted profile a restore works through: from
// COPY's own path in a mount, or from --cache and a profile path.
func conflictTarget(cache, copyArg string) (mnt, rel string, l cachedir.Layout, err error) {
	if cache == "" {
		abs, _ := filepath.Abs(copyArg)
		for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
			if src, ok := mountSource(dir); ok {
				l, err = cachedir.New(src)
				r, _ := filepath.Rel(dir, abs)
				return dir, filepath.ToSlash(r), l, err
			}
			if dir == filepath.Dir(dir) {
				return "", "", l, usageError{fmt.Errorf("%s is not in a mounted roamfs profile; give --cache DIR and the copy's profile path", copyArg)}
			}
		}
	}
	if l, err = cacheFlag(cache); err != nil {
		return "", "", l, err
	}
	st, err := l.ReadStatus()
	if err != nil {
		return "", "", l, err
	}
	if _, ok := mountSource(st.LocalPath); !ok || st.LocalPath == "" {
		return "", "", l, codedError{ExitFailure, fmt.Errorf("the profile of %s is not mounted: log on first (a restore is a change made through the mount, so it is journaled)", l.Dir)}
	}
	return st.LocalPath, strings.Trim(filepath.ToSlash(copyArg), "/"), l, nil
}
