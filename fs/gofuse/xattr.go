package gofuse

import (
	"context"
	"sync/atomic"
	"syscall"
)

// capabilityXattr is what the kernel asks for before every write(2) to a file
// (file_remove_privs: a write must drop file capabilities), unless it has
// negotiated FUSE_HANDLE_KILLPRIV_V2. roamfs does not: that moves clearing
// suid/sgid on a write by an unprivileged user to the daemon, which never sees
// passthrough writes (and writes to the cache as root, so the cache's file
// system keeps the bits too).
const capabilityXattr = "security.capability"

// capCache remembers that a node has no security.capability, so that the
// GETXATTR before each write is answered without touching the cache. Its
// value is a generation number shifted left by one and the "known absent"
// bit: a Setxattr of the attribute bumps the generation before and after it
// runs, so a Getxattr that read "absent" concurrently cannot store it over the
// set (its compare-and-swap fails).
type capCache struct{ v atomic.Uint64 }

const capAbsent = 1

// absent reports whether the node is known to have no capability xattr; gen
// is the state to pass to learnAbsent.
func (c *capCache) absent() (known bool, gen uint64) {
	v := c.v.Load()
	return v&capAbsent != 0, v
}

// learnAbsent records the answer ENODATA read while the state was gen.
func (c *capCache) learnAbsent(gen uint64) { c.v.CompareAndSwap(gen, gen|capAbsent) }

// forget drops what is known (a set of the attribute, a change behind the
// mount) and makes concurrent learnAbsent calls fail.
func (c *capCache) forget() {
	for {
		v := c.v.Load()
		if c.v.CompareAndSwap(v, (v>>1+1)<<1) {
			return
		}
	}
}

func (n *Node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	var gen uint64
	if attr == capabilityXattr {
		var known bool
		if known, gen = n.caps.absent(); known {
			return 0, syscall.ENODATA
		}
	}
	rel, e := n.path()
	if e != 0 {
		return 0, e
	}
	sz, err := n.p.Getxattr(rel, attr, dest)
	e = errno(err)
	if e == syscall.ENODATA && attr == capabilityXattr {
		n.caps.learnAbsent(gen)
	}
	return uint32(sz), e
}

func (n *Node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	rel, e := n.path()
	if e != 0 {
		return 0, e
	}
	sz, err := n.p.Listxattr(rel, dest)
	return uint32(sz), errno(err)
}

func (n *Node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	rel, e := n.path()
	if e != 0 {
		return e
	}
	if attr == capabilityXattr {
		n.caps.forget()
		defer n.caps.forget()
	}
	err := n.p.Setxattr(rel, attr, data, int(flags))
	if err != nil {
		n.invalidateAfter(err)
	}
	return errno(err)
}

func (n *Node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	rel, e := n.path()
	if e != 0 {
		return e
	}
	err := n.p.Removexattr(rel, attr)
	if err != nil {
		n.invalidateAfter(err)
	}
	return errno(err)
}
