//go:build !linux || roamfs_portable

package overlay

// Extended attributes: os.Root has none, and NTFS keeps alternate data
// streams, not xattrs. Every call answers ENOTSUP, getxattr(2)'s "this file
// system has no extended attributes".

func (p *Profile) Getxattr(rel, attr string, dest []byte) (int, error) {
	return 0, notSupported("getxattr", rel)
}

func (p *Profile) Listxattr(rel string, dest []byte) (int, error) {
	return 0, notSupported("listxattr", rel)
}

func (p *Profile) setxattr(rel, attr string, data []byte, flags int) error {
	return notSupported("setxattr", rel)
}

func (p *Profile) removexattr(rel, attr string) error {
	return notSupported("removexattr", rel)
}
