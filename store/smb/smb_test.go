//go:build linux

package smb

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"roamfs/internal/smbdtest"
	"roamfs/store"
	"roamfs/store/storetest"
)

var ctx = context.Background()

var folders atomic.Int64

// newStore opens a fresh profile folder on srv.
func newStore(t *testing.T, srv *smbdtest.Server) *Store {
	t.Helper()
	t.Setenv(PasswordEnv, smbdtest.Password)
	s, err := Open(ctx, srv.URL("profiles", fmt.Sprintf("users/p%d", folders.Add(1))), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	srv := smbdtest.Start(t)
	t.Run("plain", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return newStore(t, srv) })
	})
	t.Run("retry+faulty", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			return store.NewRetry(storetest.NewFaulty(newStore(t, srv)))
		})
	})
}
