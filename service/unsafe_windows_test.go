package service

import "unsafe"

// sidPointer is where an ACE's SID starts (ACCESS_ALLOWED_ACE.SidStart).
func sidPointer(p *uint32) unsafe.Pointer { return unsafe.Pointer(p) }
