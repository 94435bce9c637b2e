//go:build linux

package s3_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"roamfs/internal/s3test"
	"roamfs/store"
	"roamfs/store/s3"
	"roamfs/store/storetest"
)

var ctx = context.Background()

// server is one private versitygw for the package's tests; each test takes
// a profile prefix of its own in one bucket.
func server(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	return srv, srv.Bucket(t)
}

func profile(t *testing.T, bucket string) *s3.Store {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	st, err := s3.Open(ctx, "s3://"+bucket+"/p-"+hex.EncodeToString(b[:]), s3.Options{PathStyle: true, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformanceS3(t *testing.T) {
	_, bucket := server(t)
	storetest.Run(t, func(t *testing.T) store.Store { return profile(t, bucket) })
}

func TestConformanceS3RetryFaulty(t *testing.T) {
	_, bucket := server(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return store.NewRetry(storetest.NewFaulty(profile(t, bucket)))
	})
}
