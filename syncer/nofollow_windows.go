//go:build windows

package syncer

// oNofollow: Windows has no O_NOFOLLOW. os.Root still keeps every open inside
// the cache, and a profile on NTFS holds no symlinks the user made (creating
// one needs a privilege users lack).
const oNofollow = 0
