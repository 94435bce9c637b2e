package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"roamfs/store"
)

// Store is a profile under a prefix of a bucket. Safe for concurrent use.
type Store struct {
	target Target
	c      *minio.Client
	core   minio.Core
	base   string // target.Prefix + "/": every key of the profile starts with it
	where  string // endpoint, for messages
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.Conditional = (*Store)(nil)
)

// Options are what Open needs besides the address.
type Options struct {
	// Endpoint is the server's URL (http://host:port or https://host); ""
	// takes AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS S3 itself.
	Endpoint string
	// PathStyle addresses the bucket in the path (http://host/bucket/key),
	// as most S3-compatible servers want, instead of as a host name
	// (http://bucket.host/key). Also set by ROAMFS_S3_PATH_STYLE=1.
	PathStyle bool
	// Create makes a missing profile (its folder marker).
	Create bool
	// Transport, when set, carries the requests (tests count them).
	Transport http.RoundTripper
}

// PathStyleEnv, set to 1 or true, asks for path-style addressing.
const PathStyleEnv = "ROAMFS_S3_PATH_STYLE"

// Open connects to spec (s3://BUCKET/PREFIX) and opens the profile under
// PREFIX. It checks the credentials and the bucket with one listing: a
// refused key wraps store.ErrCredentials, a missing bucket ErrNoBucket; a
// missing profile is created when o.Create is set and is an error wrapping
// fs.ErrNotExist otherwise.
func Open(ctx context.Context, spec string, o Options) (*Store, error) {
	t, err := ParseURL(spec)
	if err != nil {
		return nil, err
	}
	endpoint, secure, err := resolveEndpoint(o.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", t, err)
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle || envTrue(PathStyleEnv) {
		lookup = minio.BucketLookupPath
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds: credentialChain(), Secure: secure, Region: region, BucketLookup: lookup, Transport: o.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", t, err)
	}
	scheme := "https://"
	if !secure {
		scheme = "http://"
	}
	s := &Store{target: t, c: c, core: minio.Core{Client: c}, base: t.Prefix + "/", where: scheme + endpoint}
	if err := s.openProfile(ctx, o.Create); err != nil {
		return nil, err
	}
	return s, nil
}

// credentialChain is the standard AWS order: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, the
// AWS_PROFILE section), then the instance's role.
func credentialChain() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{Profile: os.Getenv("AWS_PROFILE")},
		&credentials.IAM{},
	})
}

// resolveEndpoint returns host[:port] and whether to use TLS.
func resolveEndpoint(e string) (string, bool, error) {
	for _, v := range []string{e, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")} {
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			return v, true, nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return "", false, fmt.Errorf("endpoint %q: want http://HOST[:PORT] or https://HOST[:PORT]", v)
		}
		if u.Path != "" && u.Path != "/" {
			return "", false, fmt.Errorf("endpoint %q: no path allowed (the bucket goes in --server s3://BUCKET/PREFIX)", v)
		}
		return u.Host, u.Scheme == "https", nil
	}
	return "s3.amazonaws.com", true, nil
}

func envTrue(k string) bool {
	v := strings.ToLower(os.Getenv(k))
	return v == "1" || v == "true" || v == "yes"
}

// openProfile checks credentials, bucket and profile with one listing of
// the profile's first key.
func (s *Store) openProfile(ctx context.Context, create bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing after its first key
	oi, exists := <-s.c.ListObjects(ctx, s.target.Bucket, minio.ListObjectsOptions{Prefix: s.base, MaxKeys: 1})
	if exists && oi.Err != nil {
		return s.describe(mapErr(oi.Err))
	}
	switch {
	case exists:
		return nil
	case !create:
		return fmt.Errorf("store: open profile %s at %s: %w", s.target, s.where, fs.ErrNotExist)
	}
	if err := s.putMarker(ctx, "", 0o700, time.Now()); err != nil {
		return fmt.Errorf("store: create profile %s at %s: %w", s.target, s.where, err)
	}
	return nil
}

// describe says what a refused open means, naming bucket and endpoint, never
// a secret.
func (s *Store) describe(err error) error {
	switch {
	case errors.Is(err, ErrNoBucket):
		return fmt.Errorf("store: bucket %q does not exist at %s (create it, or check --s3-endpoint / AWS_ENDPOINT_URL): %w", s.target.Bucket, s.where, err)
	case errors.Is(err, store.ErrCredentials):
		return fmt.Errorf("store: %s refused the access key for bucket %q (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE): %w", s.where, s.target.Bucket, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("store: %s denies access to %s: %w", s.where, s.target, err)
	}
	return fmt.Errorf("store: open profile %s at %s: %w", s.target, s.where, err)
}

// Root is the address, without credentials.
func (s *Store) Root() string { return s.target.String() }

// Close releases nothing: the client holds only idle connections.
func (s *Store) Close() error { return nil }

// key is rel's object key; marker its folder marker's.
func (s *Store) key(rel string) string { return s.base + rel }
func (s *Store) marker(rel string) string {
	if rel == "" {
		return s.base
	}
	return s.base + rel + "/"
}

// maxKey is S3's limit on a key's length in bytes.
const maxKey = 1024

// check applies the Store path rules and S3's key length.
func (s *Store) check(ctx context.Context, rel string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckRel(rel); err != nil {
		return err
	}
	if len(s.marker(rel)) > maxKey {
		return fmt.Errorf("%w %q: longer than S3's %d-byte keys", store.ErrInvalidPath, rel, maxKey)
	}
	return nil
}
