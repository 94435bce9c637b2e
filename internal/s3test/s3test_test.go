//go:build linux

package s3test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"
)

// TestConditionalPut checks what the S3 store's compare-and-swap relies on:
// the server answers a PutObject whose If-Match names a stale ETag, or whose
// If-None-Match: * meets an existing object, with 412 and changes nothing.
func TestConditionalPut(t *testing.T) {
	s := Start(t)
	bucket := s.Bucket(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(body string, o minio.PutObjectOptions) (minio.UploadInfo, error) {
		return c.PutObject(ctx, bucket, "meta", bytes.NewReader([]byte(body)), int64(len(body)), o)
	}
	var create minio.PutObjectOptions
	create.SetMatchETagExcept("*")
	first, err := put("one", create)
	if err != nil {
		t.Fatalf("If-None-Match: * on a new object: %v", err)
	}
	if _, err := put("again", create); status(err) != http.StatusPreconditionFailed {
		t.Fatalf("If-None-Match: * over an existing object = %v, want 412", err)
	}
	var match minio.PutObjectOptions
	match.SetMatchETag(first.ETag)
	second, err := put("two", match)
	if err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	if second.ETag == first.ETag {
		t.Fatalf("a new content kept the ETag %s", first.ETag)
	}
	// The loser of a race still holds the first ETag.
	if _, err := put("three", match); status(err) != http.StatusPreconditionFailed {
		t.Fatalf("If-Match with a stale ETag = %v, want 412", err)
	}
	obj, err := c.GetObject(ctx, bucket, "meta", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(obj)
	if got.String() != "two" {
		t.Errorf("object = %q after a refused write, want %q", got.String(), "two")
	}
	var missing minio.PutObjectOptions
	missing.SetMatchETag(first.ETag)
	_, err = c.PutObject(ctx, bucket, "absent", bytes.NewReader(nil), 0, missing)
	if st := status(err); st != http.StatusPreconditionFailed && st != http.StatusNotFound {
		t.Errorf("If-Match on an absent object = %v, want 412 or 404", err)
	}
}

func status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return minio.ToErrorResponse(err).StatusCode
}
