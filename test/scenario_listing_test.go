package test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// A golden listing shows one profile tree (the server directory, a cache's
// profile/ or a mount) one path a line, sorted:
//
//	Documents/Project/                  a folder
//	Documents/new.txt "from A" @10:00   a file: its content, and its mtime when that is a story time
//	Desktop/link -> target              a symlink
//
// Left out, so that a listing shows only what the story did: roamfs'
// metadata, the default profile's empty hive (a hive anything wrote to is
// listed), and the default profile's folders themselves, roaming or not
// (their contents are listed; a missing roaming one is listed as
// "FOLDER/ missing"). Conflict copies are named after the machine and the
// loser's mtime: the host is written HOST (every machine of a test shares
// the hostname, and the server's version carries the host of its metadata),
// and a time not on the story day is written TIME.

// scDefaultRoaming are the roaming folders of the default profile.
var scDefaultRoaming = []string{
	"AppData", "AppData/Roaming", "Contacts", "Desktop", "Documents", "Downloads",
	"Favorites", "Links", "Music", "Pictures", "Saved Games", "Searches", "Videos",
}

// scHidden leaves out roamfs' metadata and the default profile's hive: 8 KiB
// starting "regf".
func scHidden(root, rel string) bool {
	switch rel {
	case ".roamfs-profile.json", ".roamfs-index", serverIndexDeltas:
		return true
	case "NTUSER.DAT":
		data, err := os.ReadFile(filepath.Join(root, rel))
		return err == nil && len(data) == 8192 && string(data[:4]) == "regf"
	}
	return false
}

// scListing lists root as described above.
func scListing(root string) ([]string, error) {
	var lines []string
	seen := map[string]bool{}
	var walk func(rel string) error
	walk = func(rel string) error {
		ents, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		for _, de := range ents {
			p := path.Join(rel, de.Name())
			if scHidden(root, p) {
				continue
			}
			seen[p] = true
			line, isDir, err := scLine(root, p)
			if err != nil {
				return err
			}
			if !scIsDefault(p) {
				lines = append(lines, line)
			}
			if isDir {
				if err := walk(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	for _, d := range scDefaultRoaming {
		if !seen[d] {
			lines = append(lines, d+"/ missing")
		}
	}
	sort.Strings(lines)
	return lines, nil
}

func scIsDefault(p string) bool {
	if p == "AppData/Local" || p == "AppData/LocalLow" { // nonroaming: on each machine
		return true
	}
	for _, d := range scDefaultRoaming {
		if p == d {
			return true
		}
	}
	return false
}

// scLine renders one path; isDir says whether to descend.
func scLine(root, rel string) (line string, isDir bool, err error) {
	full := filepath.Join(root, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil {
		return "", false, err
	}
	name := scNormalizeName(rel)
	switch {
	case fi.IsDir():
		return name + "/", true, nil
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(full)
		return name + " -> " + target, false, err
	case !fi.Mode().IsRegular():
		return name + " (special file)", false, nil
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return "", false, err
	}
	var content string
	if len(data) <= 80 && utf8.Valid(data) {
		content = strconv.Quote(string(data))
	} else {
		content = fmt.Sprintf("<%d bytes>", len(data))
	}
	line = name + " " + content
	if at := scStoryTime(fi.ModTime()); at != "" {
		line += " @" + at
	}
	return line, false, nil
}

// scStoryTime is t as a story writes it, or "" when t is not on scDay.
func scStoryTime(t time.Time) string {
	t = t.UTC()
	if t.Before(scDay) || !t.Before(scDay.Add(24*time.Hour)) {
		return ""
	}
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("15:04:05.999999999")
	}
	return t.Format("15:04")
}

var scConflictRe = regexp.MustCompile(`\(conflict (.+) (\d{4}-\d\d-\d\d) (\d{6})\)`)

// scNormalizeName writes a conflict copy's host as HOST and its time as TIME
// unless the time is on the story day.
func scNormalizeName(rel string) string {
	return scConflictRe.ReplaceAllStringFunc(rel, func(m string) string {
		g := scConflictRe.FindStringSubmatch(m)
		when := g[2] + " " + g[3]
		if g[2] != scDay.Format("2006-01-02") {
			when = "TIME"
		}
		return "(conflict HOST " + when + ")"
	})
}
