// Package syncer is roamfs' sync engine: it moves a roaming profile between
// the server copy and the local cache, with the logon merge, the logoff
// replay of the change journal, the hive's own stream, and the bookkeeping
// that lets a crashed sync be replayed. Every decision about a path is a pure
// function (decide.go) of this machine's intent, the base version, the
// server's version and the local version; the rest of the package gathers
// those inputs and carries the decision out.
//
// Where things are:
//
//   - plan.go, result.go, version.go: the shared types (Intent, Action,
//     Decision, Step, Plan; Result and its kin; Version).
//   - decide.go: the merge tables and the choice of table for a path.
//   - guard_*.go: what holds or refuses a sync (mass delete, read-only and
//     mandatory profiles, the quota, server entries Windows cannot hold).
//   - logon.go, logoff_plan.go, logoff_apply.go, full.go, hive.go: the syncs.
//   - gather.go, pending.go, names.go: their inputs (every path by key, the
//     journal's pending paths, each side's spelling of a name).
//   - server.go, meta.go, upload.go, conflict.go: the server side;
//     local.go, local_dir.go, download.go: the cache side.
package syncer
