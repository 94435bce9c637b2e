// Package session is one roaming profile's session on this machine: the
// daemon's life from logon to logoff, independent of the command line.
//
// A session is opened (Open: the cache, its journal, the server copy), logged
// on (Logon: the logon merge, then the mount), served (Serve: until the mount
// goes away, with the background hive stream and the size-limit warnings
// running beside it), logged off (the logoff sync, at the end of Serve) and
// closed (Close). Run strings these together with the control socket (Server
// side in control.go, the typed Client in client.go) through which
// `roamfs status`, `journal`, `logoff` and `hive upload` reach a running
// session, which alone may hold the journal.
//
// The mount itself is injected (Config.Mount): cmd/roamfs passes the FUSE
// front end of its platform (go-fuse on Linux, cgofuse on Windows), the tests
// a function that mounts nothing and drive the overlay in-process.
//
// The journal, the retrying server copy and the syncer are opened by one
// constructor (engine.go) for the session and for a sync without a mount
// (Offline: `roamfs sync`, a logoff that finds its daemon dead), so that both
// log each retry and both give the files they bring into the cache to the
// profile's user.
//
// This package decides outcomes (Outcome, LogoffError); cmd/roamfs turns them
// into exit codes and output.
package session
