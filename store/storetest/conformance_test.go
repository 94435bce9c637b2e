package storetest

import (
	"testing"

	"roamfs/store"
)

func TestConformanceDir(t *testing.T) {
	Run(t, func(t *testing.T) store.Store { d, _ := newDir(t); return d })
}

func TestConformanceDirRetryFaulty(t *testing.T) {
	Run(t, func(t *testing.T) store.Store {
		d, _ := newDir(t)
		return store.NewRetry(NewFaulty(d))
	})
}
