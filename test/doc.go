// Package test is roamfs' end-to-end suite: its tests build cmd/roamfs once and
// drive the binary the way an administrator's scripts do, through real FUSE
// mounts and real server directories.
//
// They need root and /dev/fuse, and are run one package at a time with a
// timeout:
//
//	go test -count=1 -p 1 -timeout 10m ./test/
//
// TestDifferentialRandomOps prints its seed; ROAMFS_SEED=<seed> replays a run
// and ROAMFS_DIFF_OPS=<n> changes its length.
package test
