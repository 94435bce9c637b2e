//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import "github.com/winfsp/cgofuse/fuse"

// win32Errnos maps the Win32 error codes that the overlay's calls (os.Root,
// os.File) return on Windows to FUSE errnos, which WinFsp turns back into
// NTSTATUS for the program. It is built on Linux too, so the mapping is
// tested there by number.
var win32Errnos = []struct {
	code  uint32
	name  string
	errno int
}{
	{1, "ERROR_INVALID_FUNCTION", fuse.ENOSYS},
	{2, "ERROR_FILE_NOT_FOUND", fuse.ENOENT},
	{3, "ERROR_PATH_NOT_FOUND", fuse.ENOENT},
	{4, "ERROR_TOO_MANY_OPEN_FILES", fuse.EMFILE},
	{5, "ERROR_ACCESS_DENIED", fuse.EACCES},
	{6, "ERROR_INVALID_HANDLE", fuse.EBADF},
	{8, "ERROR_NOT_ENOUGH_MEMORY", fuse.ENOMEM},
	{14, "ERROR_OUTOFMEMORY", fuse.ENOMEM},
	{17, "ERROR_NOT_SAME_DEVICE", fuse.EXDEV},
	{19, "ERROR_WRITE_PROTECT", fuse.EROFS},
	{32, "ERROR_SHARING_VIOLATION", fuse.EBUSY},
	{33, "ERROR_LOCK_VIOLATION", fuse.EBUSY},
	{39, "ERROR_HANDLE_DISK_FULL", fuse.ENOSPC},
	{50, "ERROR_NOT_SUPPORTED", fuse.ENOTSUP},
	{53, "ERROR_BAD_NETPATH", fuse.ENOENT},
	{80, "ERROR_FILE_EXISTS", fuse.EEXIST},
	{87, "ERROR_INVALID_PARAMETER", fuse.EINVAL},
	{112, "ERROR_DISK_FULL", fuse.ENOSPC},
	{120, "ERROR_CALL_NOT_IMPLEMENTED", fuse.ENOSYS},
	{122, "ERROR_INSUFFICIENT_BUFFER", fuse.ERANGE},
	{123, "ERROR_INVALID_NAME", fuse.EINVAL},
	{131, "ERROR_NEGATIVE_SEEK", fuse.EINVAL},
	{145, "ERROR_DIR_NOT_EMPTY", fuse.ENOTEMPTY},
	{161, "ERROR_BAD_PATHNAME", fuse.EINVAL},
	{183, "ERROR_ALREADY_EXISTS", fuse.EEXIST},
	{206, "ERROR_FILENAME_EXCED_RANGE", fuse.ENAMETOOLONG},
	{267, "ERROR_DIRECTORY", fuse.ENOTDIR},
	{336, "ERROR_DIRECTORY_NOT_SUPPORTED", fuse.EISDIR},
	{1314, "ERROR_PRIVILEGE_NOT_HELD", fuse.EPERM}, // a symlink without SeCreateSymbolicLinkPrivilege
	{1920, "ERROR_CANT_ACCESS_FILE", fuse.EACCES},
	{1921, "ERROR_CANT_RESOLVE_FILENAME", fuse.ELOOP},
	{4390, "ERROR_NOT_A_REPARSE_POINT", fuse.EINVAL}, // readlink of a file, as POSIX says
}

// win32Errno is the FUSE errno for Win32 error code, if it has one.
func win32Errno(code uint32) (int, bool) {
	for _, m := range win32Errnos {
		if m.code == code {
			return m.errno, true
		}
	}
	return 0, false
}
