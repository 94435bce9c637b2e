package main

// The synthetic roaming profile of items 3 and 4: a Windows profile's folders
// with files in a realistic size mix, generated once per size straight onto
// the disk as the server copy, from a fixed seed (the same tree every time).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Size mix: mostly small documents and settings, some pictures and
// installers' leftovers, a few large files (a mailbox, a video).
const (
	smallMin, smallMax   = 1 << 10, 16 << 10
	mediumMin, mediumMax = 100 << 10, 1 << 20
	largeMin, largeMax   = 9 << 20, 11 << 20
	filesPerDir          = 100
)

// mixCounts says how many medium and large files a profile of n files has:
// 1% medium, 0.02% large, at least a few of each.
func mixCounts(n int) (medium, large int) {
	return max(10, n/100), max(2, n/5000)
}

// Roaming top-level folders and how much of the profile each holds. Nothing
// goes under AppData/Local: it does not roam.
var topDirs = []struct {
	dir    string
	weight int
}{
	{"Documents", 40}, {"AppData/Roaming", 25}, {"Pictures", 12}, {"Desktop", 6},
	{"Music", 5}, {"Downloads", 5}, {"Favorites", 3}, {"Videos", 2}, {"Contacts", 1}, {"Links", 1},
}

var emptyDirs = []string{"Saved Games", "Searches", "AppData/Local", "AppData/LocalLow"}

var exts = []string{".docx", ".xlsx", ".txt", ".pdf", ".jpg", ".png", ".xml", ".json", ".ini", ".dat", ".lnk", ".url"}

type profileInfo struct {
	Files int
	Bytes int64
	Dirs  int
	paths []string // profile-relative paths of the generated files
}

// generateProfile writes a profile of n files under dir (which must not exist).
func generateProfile(ctx context.Context, dir string, n int, seed uint64) (*profileInfo, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	info := &profileInfo{}
	dirs := makeDirTree(rng, max(1, n/filesPerDir))
	for _, d := range append(append([]string{}, dirs...), emptyDirs...) {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	info.Dirs = len(dirs) + len(emptyDirs)
	sizes := fileSizes(rng, n)
	pool := randomBlock(largeMax+4096, seed)
	for i, size := range sizes {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rel := filepath.Join(dirs[rng.IntN(len(dirs))], fmt.Sprintf("file%06d%s", i, exts[rng.IntN(len(exts))]))
		off := rng.IntN(len(pool) - int(size))
		if err := os.WriteFile(filepath.Join(dir, rel), pool[off:off+int(size)], 0o644); err != nil {
			return nil, err
		}
		info.paths = append(info.paths, rel)
		info.Bytes += size
	}
	// The registry hive every profile has.
	if err := os.WriteFile(filepath.Join(dir, "NTUSER.DAT"), pool[:4<<20], 0o644); err != nil {
		return nil, err
	}
	info.Files = n + 1
	info.Bytes += 4 << 20
	return info, nil
}

// makeDirTree returns count folders spread over the roaming top-level folders,
// nested up to four deep ("Documents/Project 12/sub 3").
func makeDirTree(rng *rand.Rand, count int) []string {
	total := 0
	for _, t := range topDirs {
		total += t.weight
	}
	dirs := make([]string, 0, count)
	for _, t := range topDirs {
		dirs = append(dirs, t.dir)
	}
	for i := len(dirs); i < count; i++ {
		parent := dirs[rng.IntN(len(dirs))]
		if rng.IntN(3) == 0 { // a third start a new branch under a weighted top folder
			w := rng.IntN(total)
			for _, t := range topDirs {
				if w -= t.weight; w < 0 {
					parent = t.dir
					break
				}
			}
		}
		if depth(parent) >= 4 {
			parent = topDirs[rng.IntN(len(topDirs))].dir
		}
		dirs = append(dirs, fmt.Sprintf("%s/Folder %d", parent, i))
	}
	return dirs
}

func depth(p string) int {
	d := 1
	for _, c := range p {
		if c == '/' {
			d++
		}
	}
	return d
}

// fileSizes draws n sizes: the medium and large files at random positions,
// the rest small.
func fileSizes(rng *rand.Rand, n int) []int64 {
	medium, large := mixCounts(n)
	sizes := make([]int64, n)
	for i := range sizes {
		switch {
		case i < large:
			sizes[i] = int64(largeMin + rng.IntN(largeMax-largeMin))
		case i < large+medium:
			sizes[i] = int64(mediumMin + rng.IntN(mediumMax-mediumMin))
		default:
			sizes[i] = int64(smallMin + rng.IntN(smallMax-smallMin))
		}
	}
	rng.Shuffle(n, func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	return sizes
}
