package gofuse

import (
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Server is a mounted profile. Wait and Unmount close what the kernel left
// open once the server loop has ended, so that nothing of the cache is open
// when either returns.
type Server struct {
	srv  *fuse.Server
	open *leftOpen
	root *Node
}

// Wait returns when the mount is gone (logoff, umount, a killed connection).
func (s *Server) Wait() {
	s.srv.Wait()
	s.open.releaseAll()
}

// Unmount detaches the mount and waits for the server loop to end. On an error
// (EBUSY: a file still open through the mount) the mount is still served and
// nothing is closed.
func (s *Server) Unmount() error {
	if err := s.srv.Unmount(); err != nil {
		return err
	}
	s.open.releaseAll()
	return nil
}
