package overlay

import "time"

// Attr is a SETATTR request: nil fields are left alone.
type Attr struct {
	Mode         *uint32
	UID, GID     *uint32
	Size         *uint64
	Atime, Mtime *time.Time
}

// owner is the chown request, -1 for the id left alone.
func (a Attr) owner() (uid, gid int, ok bool) {
	uid, gid = -1, -1
	if a.UID != nil {
		uid = int(*a.UID)
	}
	if a.GID != nil {
		gid = int(*a.GID)
	}
	return uid, gid, a.UID != nil || a.GID != nil
}

// setsTimes: the request changes atime or mtime.
func (a Attr) setsTimes() bool { return a.Atime != nil || a.Mtime != nil }

// changesMetadata: what the journal records as a setattr (size is a truncate).
func (a Attr) changesMetadata() bool {
	return a.Mode != nil || a.UID != nil || a.GID != nil || a.setsTimes()
}
