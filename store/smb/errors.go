package smb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"

	smb2 "github.com/cloudsoda/go-smb2"

	"roamfs/store"
)

// NTSTATUS codes this package tells apart ([MS-ERREF] 2.3.1). go-smb2 maps
// the commonest (not found, exists, access denied) to the os errors itself.
const (
	statusStoppedOnSymlink      = 0x8000002D
	statusInvalidParameter      = 0xC000000D
	statusObjectNameInvalid     = 0xC0000033
	statusObjectPathSyntaxBad   = 0xC000003B
	statusSharingViolation      = 0xC0000043
	statusDeletePending         = 0xC0000056
	statusNoSuchUser            = 0xC0000064
	statusWrongPassword         = 0xC000006A
	statusLogonFailure          = 0xC000006D
	statusAccountRestriction    = 0xC000006E
	statusPasswordExpired       = 0xC0000071
	statusAccountDisabled       = 0xC0000072
	statusDiskFull              = 0xC000007F
	statusMediaWriteProtected   = 0xC00000A2
	statusFileIsADirectory      = 0xC00000BA
	statusNotSupported          = 0xC00000BB
	statusNetworkNameDeleted    = 0xC00000C9
	statusBadNetworkName        = 0xC00000CC
	statusDirectoryNotEmpty     = 0xC0000101
	statusNotADirectory         = 0xC0000103
	statusFileClosed            = 0xC0000128
	statusAccountExpired        = 0xC0000193
	statusUserSessionDeleted    = 0xC0000203
	statusPasswordMustChange    = 0xC0000224
	statusAccountLockedOut      = 0xC0000234
	statusNetworkSessionExpired = 0xC000035C
)

// ErrSharingViolation: the entry is open on another client with a share mode
// that forbids what this call does (replacing or deleting it). Transient:
// the Retry decorator tries again, and a logoff that still meets it fails
// with the path kept pending.
var ErrSharingViolation = errors.New("open on another client with a share mode that forbids replacing or deleting it (STATUS_SHARING_VIOLATION)")

// errDropped marks an error that means the connection is gone.
var errDropped = errors.New("connection to the server lost")

func ntStatus(err error) (uint32, bool) {
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		return re.Code, true
	}
	return 0, false
}

// classify turns a go-smb2 error into one the Store contract names. The
// original stays in the chain for the message.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	code, ok := ntStatus(err)
	if !ok {
		if dropped(err) {
			return fmt.Errorf("%w: %w", errDropped, err)
		}
		return err
	}
	var kind error
	switch code {
	case statusSharingViolation:
		kind = ErrSharingViolation
	case statusDirectoryNotEmpty:
		kind = store.ErrNotEmpty
	case statusFileIsADirectory:
		kind = store.ErrIsDir
	case statusNotADirectory:
		kind = store.ErrNotDir
	case statusObjectNameInvalid, statusObjectPathSyntaxBad:
		kind = store.ErrInvalidPath
	case statusMediaWriteProtected:
		kind = fs.ErrPermission
	case statusStoppedOnSymlink:
		// A reparse point in the middle of the path: never followed, so
		// nothing lies below it in the store's namespace.
		kind = errBelowLink
	case statusNetworkNameDeleted, statusUserSessionDeleted, statusNetworkSessionExpired, statusFileClosed:
		kind = errDropped
	case statusLogonFailure, statusWrongPassword, statusNoSuchUser, statusPasswordExpired,
		statusPasswordMustChange, statusAccountDisabled, statusAccountExpired, statusAccountLockedOut,
		statusAccountRestriction:
		kind = store.ErrCredentials
	default:
		return err
	}
	return fmt.Errorf("%w (%w)", kind, err)
}

// errBelowLink is a path that passes through a reparse point.
var errBelowLink = belowLink{}

type belowLink struct{}

func (belowLink) Error() string {
	return "passes through a link or junction on the server (never followed)"
}

func (belowLink) Is(target error) bool {
	return target == store.ErrNotDir || target == fs.ErrNotExist
}

// dropped reports whether err means the TCP connection or the SMB session
// is gone, so that a new one may succeed.
func dropped(err error) bool {
	if errors.Is(err, errDropped) {
		return true
	}
	var te *smb2.TransportError
	var ne net.Error
	switch {
	case errors.As(err, &te), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNREFUSED):
		return true
	}
	// go-smb2 reports a connection it already knows to be dead this way.
	return strings.Contains(err.Error(), "connection error") || strings.Contains(err.Error(), "use of closed network connection")
}
