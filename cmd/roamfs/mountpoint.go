package main

import (
	"fmt"
	"io"
	"os"
)

// checkMountPointEmpty refuses a mount point that holds files: the mount
// would hide them until logoff without a word (rclone refuses the same way,
// with the same --allow-non-empty to override). A mount point that does not
// exist is left to checkMountPoint.
func checkMountPointEmpty(mnt string) error {
	d, err := os.Open(mnt)
	if err != nil {
		return nil
	}
	defer d.Close()
	names, err := d.Readdirnames(3)
	if err != nil && err != io.EOF || len(names) == 0 {
		return nil
	}
	more := ""
	if len(names) == 3 {
		more = ", …"
	}
	return fmt.Errorf("mount point %s is not empty (it holds %q%s): the mount would hide its files until logoff; "+
		"empty it, choose another folder, or pass --allow-non-empty", mnt, names[:min(len(names), 2)], more)
}
