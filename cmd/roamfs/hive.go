package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/syncer"
)

// hiveStream is the session's background upload of the registry hive.
type hiveStream struct {
	s       *session
	once    sync.Once
	mu      sync.Mutex // one upload at a time
	trigger chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

func (s *session) startHiveStream() *hiveStream {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hiveStream{s: s, trigger: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go h.loop(ctx)
	return h
}

func (h *hiveStream) loop(ctx context.Context) {
	defer close(h.done)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	for {
		var timer <-chan time.Time
		if next := syncer.NextHiveUpload(h.s.cfg.pol, time.Now(), rng); !next.IsZero() {
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
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.s.sy.UploadHives(ctx, h.s.prof, h.s.cfg.layout.State())
	if err == nil && len(res.Uploaded) > 0 {
		// Only LastBackgroundRegistryUploadTime: LastUploadTime belongs to
		// the full sync at logoff, as on Windows.
		err = h.s.cfg.layout.UpdateStatus(func(st *cachedir.Status) { st.LastBackgroundRegistryUploadTime = &res.Time })
	}
	return res, err
}

// close stops the schedule and waits for an upload in progress.
func (h *hiveStream) close() {
	h.once.Do(func() {
		h.stop()
		<-h.done
		h.mu.Lock() // an upload asked for over the control socket
		h.mu.Unlock()
	})
}

func newHiveCmd() *cobra.Command {
	hive := &cobra.Command{Use: "hive", Short: "The registry hive's background stream"}
	var cache string
	up := &cobra.Command{
		Use:   "upload --cache DIR",
		Short: "Ask the running session to upload the hive now, if it changed",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			cl, err := dialSession(l)
			if errors.Is(err, errNoDaemon) {
				return fmt.Errorf("no session is running on %s: the hive is uploaded at logoff or by `roamfs sync`", l.Dir)
			}
			body, err := cl.do("POST", "/hive/upload")
			if err != nil {
				return err
			}
			defer body.Close()
			var res syncer.HiveResult
			if err := json.NewDecoder(body).Decode(&res); err != nil {
				return fmt.Errorf("session daemon: %w", err)
			}
			for _, u := range res.Uploaded {
				fmt.Fprintf(c.OutOrStdout(), "uploaded %s\n", u)
			}
			for _, sk := range res.Skipped {
				fmt.Fprintf(c.OutOrStdout(), "skipped %s\n", sk)
			}
			return nil
		},
	}
	up.Flags().StringVar(&cache, "cache", "", "local cache directory of the running session")
	hive.AddCommand(up)
	return hive
}
