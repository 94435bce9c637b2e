package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/minio/minio-go/v7"

	"roamfs/store"
)

// ErrNoBucket: the bucket does not exist (or the endpoint is not the server
// that has it). A configuration error, as a wrong password is.
var ErrNoBucket = errors.New("the bucket does not exist")

// mapErr turns an S3 error response into the errors the Store contract
// names; anything else (a connection refused, a 500) stays transient.
func mapErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	r := minio.ToErrorResponse(err)
	switch r.Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%w (%v)", fs.ErrNotExist, err)
	case "NoSuchBucket":
		return fmt.Errorf("%w (%v)", ErrNoBucket, err)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return fmt.Errorf("%w (%s: %s)", store.ErrCredentials, r.Code, r.Message)
	case "AccessDenied", "AllAccessDisabled":
		return fmt.Errorf("%w (%v)", fs.ErrPermission, err)
	case "PreconditionFailed":
		return fmt.Errorf("%w (%v)", store.ErrPrecondition, err)
	}
	switch r.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%w (%v)", fs.ErrNotExist, err)
	case http.StatusPreconditionFailed:
		return fmt.Errorf("%w (%v)", store.ErrPrecondition, err)
	case http.StatusForbidden:
		return fmt.Errorf("%w (%v)", fs.ErrPermission, err)
	}
	return err
}

func opError(op, rel string, err error) error {
	return fmt.Errorf("store: %s %q: %w", op, rel, err)
}

// notDirError: Walk of a path that is a file or a symlink. Nothing lies below
// it, so it is both store.ErrNotDir and fs.ErrNotExist, as in Dir.
type notDirError struct{ kind store.Kind }

func (e notDirError) Error() string   { return fmt.Sprintf("a %s, not a folder", e.kind) }
func (e notDirError) Is(t error) bool { return t == store.ErrNotDir || t == fs.ErrNotExist }
