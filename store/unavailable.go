package store

import (
	"context"
	"io"
	"io/fs"
	"time"
)

// Unavailable is a server copy that could not be reached: every call fails
// with Err. A session on a cached profile uses it, so the logon can go on with
// the cache and the logoff fails cleanly (the journal keeps everything).
type Unavailable struct {
	Path string
	Err  error
}

func (u Unavailable) Stat(context.Context, string) (Info, error) { return Info{}, u.Err }
func (u Unavailable) Walk(context.Context, string, func(Info) error) error {
	return u.Err
}
func (u Unavailable) Open(context.Context, string) (io.ReadCloser, Info, error) {
	return nil, Info{}, u.Err
}
func (u Unavailable) Put(context.Context, string, io.Reader, fs.FileMode, time.Time) error {
	return u.Err
}
func (u Unavailable) PutVia(context.Context, string, string, io.Reader, fs.FileMode, time.Time) error {
	return u.Err
}
func (u Unavailable) Mkdir(context.Context, string, fs.FileMode) error  { return u.Err }
func (u Unavailable) Symlink(context.Context, string, string) error     { return u.Err }
func (u Unavailable) Remove(context.Context, string) error              { return u.Err }
func (u Unavailable) SetTimes(context.Context, string, time.Time) error { return u.Err }
func (u Unavailable) CleanTemp(context.Context) (int, error)            { return 0, u.Err }
func (u Unavailable) Root() string                                      { return u.Path }

var _ Store = Unavailable{}
