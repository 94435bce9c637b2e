package smb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"sync"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"roamfs/store"
)

// DialTimeout bounds connecting and logging on to the server.
var DialTimeout = 15 * time.Second

// conn holds the store's one SMB session and tree connection, dialled on
// first use and again after it drops. gen tells a call which connection it
// used, so that two calls seeing the same drop reconnect once.
type conn struct {
	target Target
	creds  Credentials

	mu    sync.Mutex
	tcp   net.Conn
	sess  *smb2.Session
	share *smb2.Share
	gen   int
}

// get returns the current tree connection, dialling one if there is none.
func (c *conn) get(ctx context.Context) (*smb2.Share, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.share != nil {
		return c.share, c.gen, nil
	}
	if err := c.dial(ctx); err != nil {
		return nil, 0, err
	}
	c.gen++
	return c.share, c.gen, nil
}

func (c *conn) dial(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	var nd net.Dialer
	tcp, err := nd.DialContext(dctx, "tcp", c.target.Host)
	if err != nil {
		return fmt.Errorf("connect to %s: %w: %w", c.target.Host, errDropped, err)
	}
	d := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{
		User: c.creds.User, Password: c.creds.Password, Domain: c.creds.Domain,
	}}
	host, _, _ := net.SplitHostPort(c.target.Host)
	sess, err := d.DialConn(dctx, tcp, host)
	if err != nil {
		tcp.Close()
		err = classify(err)
		if errors.Is(err, store.ErrCredentials) {
			return fmt.Errorf("log on to %s as %s: wrong or expired password, or a disabled account: %w", c.target.UNC(), c.creds, err)
		}
		return fmt.Errorf("log on to %s as %s: %w", c.target.UNC(), c.creds, err)
	}
	share, err := sess.WithContext(dctx).Mount(c.target.Share)
	if err != nil {
		sess.Logoff()
		tcp.Close()
		err = classify(err)
		if code, ok := ntStatus(err); ok && code == statusBadNetworkName {
			return fmt.Errorf("no share %q on %s: %w (%w)", c.target.Share, c.target.Host, fs.ErrNotExist, err)
		}
		return fmt.Errorf("connect to share %s as %s: %w", c.target.UNC(), c.creds, err)
	}
	c.tcp, c.sess, c.share = tcp, sess, share
	return nil
}

// broken drops connection gen if it is still the current one.
func (c *conn) broken(gen int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen && c.share != nil {
		c.closeLocked()
	}
}

func (c *conn) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.share == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.share.WithContext(ctx).Umount()
	c.sess.WithContext(ctx).Logoff()
	c.closeLocked()
	return nil
}

func (c *conn) closeLocked() {
	c.tcp.Close()
	c.tcp, c.sess, c.share = nil, nil, nil
}

// do runs fn on the tree connection; when the connection turns out to have
// dropped, it runs fn once more on a new one. fn must be idempotent, and
// report with errNoRerun that it cannot run again.
func (c *conn) do(ctx context.Context, fn func(*smb2.Share) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh, gen, err := c.get(ctx)
		if err != nil {
			return err
		}
		err = classify(fn(sh.WithContext(ctx)))
		if err == nil || !dropped(err) {
			return err
		}
		c.broken(gen)
		if attempt == 1 || errors.Is(err, errNoRerun) {
			return err
		}
	}
}

// errNoRerun: the call consumed what it cannot read again (a Put's reader).
var errNoRerun = errors.New("cannot be repeated")
