package main

// The two servers the storm runs against: one private versitygw (the tests'
// S3 server, internal/s3test) and one directory store (what an SMB share or
// an NFS export looks like to roamfs on Linux: a mounted directory). Each
// user's profile is one prefix or folder of the same server.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"

	"roamfs/internal/s3test"
	"roamfs/store"
	"roamfs/store/s3"
)

// backend opens user i's profile on one server.
type backend struct {
	name  string
	open  func(ctx context.Context, user int) (store.Store, error)
	stop  func()
	about string
}

func dirBackend(work string) (*backend, error) {
	root := filepath.Join(work, "dirserver")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	return &backend{
		name:  "directory",
		about: "store.Dir on " + root,
		open: func(_ context.Context, user int) (store.Store, error) {
			return store.OpenDir(filepath.Join(root, userName(user)), true)
		},
		stop: func() {},
	}, nil
}

func s3Backend(ctx context.Context, work string) (*backend, error) {
	if why := s3test.Available(); why != "" {
		return nil, fmt.Errorf("s3: %s", why)
	}
	srv, err := s3test.StartIn(filepath.Join(work, "s3"))
	if err != nil {
		return nil, err
	}
	c, err := srv.Client()
	if err != nil {
		srv.Stop()
		return nil, err
	}
	const bucket = "profiles"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		srv.Stop()
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	// store/s3 takes its keys from the standard AWS chain, as roamfs does.
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	return &backend{
		name:  "s3 (versitygw " + s3test.Version + ")",
		about: "versitygw posix backend on " + srv.Dir + ", " + srv.Endpoint(),
		open: func(ctx context.Context, user int) (store.Store, error) {
			return s3.Open(ctx, "s3://"+bucket+"/"+userName(user), s3.Options{Endpoint: srv.Endpoint(), PathStyle: true, Create: true})
		},
		stop: srv.Stop,
	}, nil
}

func userName(i int) string { return fmt.Sprintf("user%04d", i) }
