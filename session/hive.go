package session

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/syncer"
)

// hiveStream is the session's background upload of the registry hive, on the
// schedule NextHiveUpload sets and on request over the control socket.
type hiveStream struct {
	s    *Session
	once sync.Once
	mu   sync.Mutex // one upload at a time
	stop context.CancelFunc
	done chan struct{}
}

func (s *Session) startHiveStream() *hiveStream {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hiveStream{s: s, stop: cancel, done: make(chan struct{})}
	go h.loop(ctx)
	return h
}

func (h *hiveStream) loop(ctx context.Context) {
	defer close(h.done)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	for {
		var timer <-chan time.Time
		if next := NextHiveUpload(h.s.cfg.Policy, time.Now(), rng); !next.IsZero() {
			h.s.log.Debug("next background hive upload", zap.Time("at", next))
			timer = time.After(time.Until(next))
		}
		select {
		case <-ctx.Done():
			return
		case <-timer:
			h.upload(ctx)
		}
	}
}

// upload runs one background upload and records it in the status.
func (h *hiveStream) upload(ctx context.Context) (syncer.HiveResult, error) {
	h.s.round.Lock() // the syncer plans one thing at a time (writeback.go)
	defer h.s.round.Unlock()
	return h.uploadLocked(ctx)
}

// uploadLocked is upload for a caller that holds Session.round.
func (h *hiveStream) uploadLocked(ctx context.Context) (syncer.HiveResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.s.sy.UploadHives(ctx, h.s.prof, h.s.cfg.Layout.State())
	if err == nil && len(res.Uploaded) > 0 {
		// Only LastBackgroundRegistryUploadTime: LastUploadTime belongs to
		// the full sync at logoff, as on Windows.
		err = h.s.cfg.Layout.UpdateStatus(func(st *cachedir.Status) { st.LastBackgroundRegistryUploadTime = &res.Time })
	}
	return res, err
}

// close stops the schedule and waits for an upload in progress.
func (h *hiveStream) close() {
	h.once.Do(func() {
		h.stop()
		<-h.done
		// An upload asked for over the control socket holds mu: taking it
		// waits for that upload to end before the logoff sync begins.
		h.mu.Lock()
		//lint:ignore SA2001 the lock is taken only to wait for that upload
		h.mu.Unlock()

	})
}
