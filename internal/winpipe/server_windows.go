package winpipe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/Microsoft/go-winio"
	"go.uber.org/zap"
)

// ErrSkip is what Prepare returns (wrapped) when there is nothing to
// prepare: the user does not roam. The DLL is told "skip", not "error".
var ErrSkip = errors.New("nothing to prepare")

// ioWait bounds reading a request and writing an answer: the DLL writes at
// once and reads at once, and a caller that does neither must not hold a
// connection.
const ioWait = 10 * time.Second

// Server answers the network provider's requests on a named pipe.
type Server struct {
	Pipe string // PipeName unless a test names another
	SDDL string // ServerSDDL unless a test grants its own user
	// Wait is how long an answer may wait for Prepare (the NPLogonTimeout
	// policy), asked for each request so a policy change applies at once.
	// 0: answer "later" at once, Prepare still runs.
	Wait func() time.Duration
	// Prepare prepares one user's profile. It runs to its end with the
	// server's context even after the answer has gone ("later"); an error
	// wrapping ErrSkip answers "skip".
	Prepare func(ctx context.Context, r Request) error
	Log     *zap.Logger
}

// Serve listens until ctx ends, then waits for the answers under way
// (not for the Prepare calls still running in the background) and returns.
func (s *Server) Serve(ctx context.Context) error {
	l, err := winio.ListenPipe(s.Pipe, &winio.PipeConfig{
		SecurityDescriptor: s.SDDL,
		MessageMode:        true,
		InputBufferSize:    MaxLine,
		OutputBufferSize:   MaxLine,
	})
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Pipe, err)
	}
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.Close()
			return fmt.Errorf("accept on %s: %w", s.Pipe, err)
		}
		wg.Go(func() { s.serveConn(ctx, c) })
	}
}

func (s *Server) log() *zap.Logger {
	if s.Log == nil {
		return zap.NewNop()
	}
	return s.Log
}

func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(ioWait))
	line, err := bufio.NewReaderSize(io.LimitReader(c, MaxLine+1), MaxLine+1).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		s.log().Warn("network provider: no request read", zap.Error(err))
		return
	}
	req, err := DecodeRequest(line)
	if err != nil {
		s.log().Warn("network provider: bad request", zap.Error(err))
		s.answer(c, Answer{Status: Failed, Text: err.Error()})
		return
	}
	s.answer(c, s.prepare(ctx, req))
}

// prepare runs Prepare and waits for it at most Wait.
func (s *Server) prepare(ctx context.Context, req Request) Answer {
	done := make(chan error, 1)
	go func() { done <- s.Prepare(ctx, req) }()
	var wait time.Duration
	if s.Wait != nil {
		wait = s.Wait()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return Answer{Status: Ready}
		case errors.Is(err, ErrSkip):
			return Answer{Status: Skip, Text: err.Error()}
		}
		return Answer{Status: Failed, Text: err.Error()}
	case <-timer.C:
		s.log().Info("network provider: the logon goes on while the profile is still being prepared",
			zap.String("user", req.Account()), zap.Duration("waited", wait))
		return Answer{Status: Later, Text: fmt.Sprintf("not ready within %s; the service goes on in the background", wait)}
	case <-ctx.Done():
		return Answer{Status: Later, Text: "the roamfs service is stopping"}
	}
}

func (s *Server) answer(c net.Conn, a Answer) {
	b, err := EncodeAnswer(a)
	if err != nil {
		s.log().Error("network provider: answer not encoded", zap.Error(err))
		return
	}
	c.SetWriteDeadline(time.Now().Add(ioWait))
	if _, err := c.Write(b); err != nil {
		s.log().Warn("network provider: answer not delivered (the caller gave up waiting?)", zap.Error(err))
	}
}
