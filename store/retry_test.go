package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	"roamfs/store"
	"roamfs/store/storetest"
)

func TestRetry(t *testing.T) {
	ctx := context.Background()
	d, err := store.OpenDir(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		fail     int   // first calls that fail
		err      error // with this
		reader   func() io.Reader
		wantErr  bool
		wantHits int
	}{
		{"transient then ok", 2, syscall.EIO, func() io.Reader { return bytes.NewReader([]byte("x")) }, false, 3},
		{"permanent is not retried", 5, syscall.EACCES, func() io.Reader { return bytes.NewReader([]byte("x")) }, true, 1},
		{"gives up after Attempts", 9, syscall.EIO, func() io.Reader { return bytes.NewReader([]byte("x")) }, true, 4},
		{"unrewindable reader not retried", 2, syscall.EIO, func() io.Reader { return io.LimitReader(bytes.NewReader([]byte("x")), 1) }, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := storetest.NewFaulty(d)
			hits := 0
			f.FailOn(func(op, rel string) error {
				if op != store.OpPut {
					return nil
				}
				hits++
				if hits <= c.fail {
					return c.err
				}
				return nil
			})
			r := &store.Retry{Store: f, Attempts: 4, Backoff: time.Millisecond}
			err := r.Put(ctx, "f", c.reader(), 0o600, time.Now())
			if (err != nil) != c.wantErr || hits != c.wantHits {
				t.Fatalf("err %v after %d calls; want error=%v after %d", err, hits, c.wantErr, c.wantHits)
			}
			if err != nil && !errors.Is(err, c.err) {
				t.Fatalf("error %v does not carry the cause %v", err, c.err)
			}
		})
	}
}
