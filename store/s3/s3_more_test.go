//go:build linux

package s3_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"roamfs/internal/s3test"
	"roamfs/store"
	"roamfs/store/s3"
)

func TestParseURL(t *testing.T) {
	for spec, want := range map[string]string{
		"s3://profiles/alice":        "profiles alice",
		"S3://profiles/site/alice/":  "profiles site/alice",
		"s3://profiles":              "",
		"s3://profiles/":             "",
		"s3://Profiles/alice":        "",
		"s3://profiles/a/../b":       "",
		"s3://key:secret@prof/alice": "",
		"/srv/profiles/alice":        "",
	} {
		got, err := s3.ParseURL(spec)
		if want == "" {
			if err == nil {
				t.Errorf("ParseURL(%q) = %+v, want an error", spec, got)
			} else if strings.Contains(err.Error(), "secret") && strings.Contains(spec, "secret") && !strings.Contains(err.Error(), "credentials come from") {
				t.Errorf("ParseURL(%q): %v", spec, err)
			}
			continue
		}
		if err != nil || got.Bucket+" "+got.Prefix != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %s", spec, got, err, want)
		}
	}
}

// TestOpenErrors: a wrong secret and a missing bucket are told apart and
// named, and no secret shows in the message.
func TestOpenErrors(t *testing.T) {
	srv, bucket := server(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value")
	_, err := s3.Open(ctx, "s3://"+bucket+"/alice", s3.Options{PathStyle: true, Create: true})
	if !errors.Is(err, store.ErrCredentials) || !strings.Contains(err.Error(), bucket) || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("wrong secret: %v; want ErrCredentials naming the bucket, no secret", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.Secret)
	_, err = s3.Open(ctx, "s3://no-such-bucket/alice", s3.Options{PathStyle: true, Create: true})
	if !errors.Is(err, s3.ErrNoBucket) || !strings.Contains(err.Error(), "no-such-bucket") || !strings.Contains(err.Error(), srv.Endpoint()) {
		t.Errorf("missing bucket: %v; want ErrNoBucket naming bucket and endpoint", err)
	}
	_, err = s3.Open(ctx, "s3://"+bucket+"/nobody", s3.Options{PathStyle: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing profile without Create: %v", err)
	}
	// The endpoint given as an option beats the environment.
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	if _, err := s3.Open(ctx, "s3://"+bucket+"/alice", s3.Options{Endpoint: srv.Endpoint(), PathStyle: true, Create: true}); err != nil {
		t.Errorf("Options.Endpoint: %v", err)
	}
}

// TestPutIf: the compare-and-swap the syncer's phase 2 relies on.
func TestPutIf(t *testing.T) {
	_, bucket := server(t)
	st := profile(t, bucket)
	put := func(body, tag string) (string, error) {
		return st.PutIf(ctx, "meta", strings.NewReader(body), int64(len(body)), 0o600, time.Unix(1, 0), tag)
	}
	t1, err := put("one", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put("two", ""); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("create over an existing entry: %v, want ErrPrecondition", err)
	}
	info, tag, err := st.StatTag(ctx, "meta")
	if err != nil || tag != t1 || info.Size != 3 {
		t.Fatalf("StatTag = %+v %q %v; want the tag PutIf returned (%q)", info, tag, err, t1)
	}
	t2, err := put("two", t1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = put("three", t1)
	if !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("stale tag: %v, want ErrPrecondition", err)
	}
	if !store.IsPermanent(err) {
		t.Error("ErrPrecondition must not be retried by the retrying store")
	}
	rc, _, _ := st.Open(ctx, "meta")
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "two" {
		t.Errorf("content = %q", b)
	}
	st.Remove(ctx, "meta")
	if _, err := put("four", t2); !errors.Is(err, store.ErrPrecondition) {
		t.Errorf("tag of a removed entry: %v, want ErrPrecondition", err)
	}
	if store.ConditionalOf(store.NewRetry(st)) == nil {
		t.Error("ConditionalOf does not look through Retry")
	}
}

// TestLargePutStreamsInParts: a file of unknown length larger than a part
// goes up as a multipart upload and comes back whole.
func TestLargePutStreamsInParts(t *testing.T) {
	_, bucket := server(t)
	st := profile(t, bucket)
	const size = 8<<20*2 + 12345
	src := io.LimitReader(repeat{}, size)
	if err := st.Put(ctx, "big", src, 0o600, time.Unix(2, 0)); err != nil {
		t.Fatal(err)
	}
	rc, info, err := st.Open(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil || n != size || info.Size != size {
		t.Errorf("read %d bytes (%v), info %d; want %d", n, err, info.Size, size)
	}
}

type repeat struct{}

func (repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// TestCleanTempAbortsUploads: the parts of an interrupted multipart upload
// are aborted, so the server stops keeping them.
func TestCleanTempAbortsUploads(t *testing.T) {
	srv, bucket := server(t)
	st := profile(t, bucket)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: c}
	key := strings.TrimPrefix(st.Root(), "s3://"+bucket+"/") + "/NTUSER.DAT"
	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.PutObjectPart(ctx, bucket, key, id, 1, bytes.NewReader(make([]byte, 1024)), 1024, minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := st.CleanTemp(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CleanTemp = %d, %v; want the one open upload", n, err)
	}
	for u := range c.ListIncompleteUploads(ctx, bucket, key, true) {
		t.Errorf("upload still open: %+v", u)
	}
}
