package session

import (
	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/overlay"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/syncer"
)

// Config is what `roamfs logon` asked for, checked by the command line.
type Config struct {
	Server     string // the server copy (absolute)
	Mountpoint string // where the profile is mounted (absolute)
	PolicyFile string // recorded in the status for `roamfs sync`; "" for none
	// Credentials is the SMB credentials file (--credentials) for an
	// smb:// Server, recorded in the status for `roamfs sync`; "" takes
	// the password from ROAMFS_SMB_PASSWORD.
	Credentials string
	// S3 is how to reach an s3:// Server, recorded in the status too.
	S3     S3Options
	Layout cachedir.Layout
	Policy *policy.Policy
	User   User
	Debug  bool // the front end logs every request

	// Log receives the session's events; nil discards them.
	Log *zap.Logger
	// Mount serves the profile at Mountpoint. It is required.
	Mount MountFunc
	// OpenStore opens the server copy; nil opens a directory (store.OpenDir)
	// or an smb:// address (store/smb).
	OpenStore StoreOpener
}

// User is whose profile the session serves (logon --user): the daemon may run
// as root (or SYSTEM) on their behalf, as Windows' profile service does.
type User struct {
	Name string
	// Owner is who the files the session creates belong to: the profile
	// folder, a new server folder, what the logon merge brings into the
	// cache. nil when the daemon already is that user (and on Windows, where
	// files inherit the profile folder's ACL).
	Owner *syncer.Owner
}

// MountFunc serves the profile p at mountpoint and returns once it is
// mounted. The FUSE source names the cache (l), which is how
// `roamfs logoff MOUNTPOINT` finds the session.
type MountFunc func(mountpoint string, p *overlay.Profile, l cachedir.Layout, debug bool) (Mounted, error)

// Mounted is a served profile, whichever front end serves it.
type Mounted interface {
	// Wait returns when the mount is gone (logoff, umount, Explorer's eject).
	Wait()
	// Unmount takes the mount away; it fails while programs use it.
	Unmount() error
}

// S3Options are the --s3-endpoint and --s3-path-style of an s3:// server;
// credentials come from the AWS chain (environment, shared files), never
// from here.
type S3Options struct {
	Endpoint  string // "" = AWS_ENDPOINT_URL, else AWS S3
	PathStyle bool
}

// StoreOpener opens the server copy at dir; create asks for a missing folder
// to be made (a new profile). It is the seam for other transports and for
// the tests' fault injection; the session wraps what it returns in the
// retrying decorator.
type StoreOpener func(dir string, create bool) (store.Store, error)
