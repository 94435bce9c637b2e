package session

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/syncer"
)

// The streamed logon's background fill (policy PSAlwaysCache): once the
// profile is mounted, the files that are still placeholders are fetched,
// most wanted first (syncer.FillOrder), so the profile is local soon after
// logon and keeps working if the server goes away later. An open from the
// user fetches its file directly and jumps the queue; the fill skips what is
// no longer pending. A server that cannot be read pauses the fill, which
// tries again with a growing pause; a logoff cancels it.

// fillWorkers is how many files the fill fetches at once: enough to hide a
// share's latency, few enough to leave the user's opens room.
const fillWorkers = 4

// fillPauseMax bounds the pause between two tries of a fill that failed.
const fillPauseMax = 2 * time.Minute

// fill is a running background fill.
type fill struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// stop cancels the fill and waits for it.
func (f *fill) stop() {
	if f == nil {
		return
	}
	f.cancel()
	<-f.done
}

// startFill starts the background fill, or nothing when the policy has none
// or every file is local.
func (s *Session) startFill() *fill {
	pol := s.cfg.Policy
	if !pol.PSEnabled || !pol.PSAlwaysCache {
		return nil
	}
	if n, _ := s.sy.Unfetched(); n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &fill{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		s.runFill(ctx, pol.PSAlwaysCacheSize<<20)
	}()
	return f
}

// fillStart is what a fill had to bring when it started.
type fillStart struct {
	files int
	bytes int64
}

// fillProgress is the running fill's progress, as /progress and the
// status report it: what it started with against what is still not local
// (an open the user makes meanwhile counts as done too). nil when no fill
// runs.
func (s *Session) fillProgress() *syncer.Progress {
	from := s.fillFrom.Load()
	if from == nil {
		return nil
	}
	files, bytes := s.sy.Unfetched()
	return &syncer.Progress{Phase: "fill",
		FilesTotal: int64(from.files), FilesDone: int64(max(from.files-files, 0)),
		BytesTotal: from.bytes, BytesDone: max(from.bytes-bytes, 0)}
}

func (s *Session) runFill(ctx context.Context, minSize int64) {
	files, bytes := s.sy.Unfetched()
	s.fillFrom.Store(&fillStart{files, bytes})
	defer s.fillFrom.Store(nil)
	s.log.Info("background fill started", zap.Int("event_id", event.FillStarted),
		zap.Int("files", files), zap.Int64("bytes", bytes))
	start := time.Now()
	// Every folder first, shallowest first: the namespace is the user's
	// whole profile in Explorer, and a lookup then never waits. An
	// operation of the user's materializes its folder at once meanwhile.
	// Small files come down with their folder (FillFolders).
	if err := s.sy.FillFolders(ctx, minSize); err != nil {
		if ctx.Err() != nil {
			s.log.Info("background fill cancelled: logoff")
			return
		}
		s.log.Error("background fill stopped: folders could not be materialized", zap.Int("event_id", event.FillFailed), zap.Error(err))
		return
	}
	s.log.Info("every folder of the profile is materialized", zap.Duration("took", time.Since(start)))
	gone := map[string]bool{} // no data on the server: never fetched
	pause := time.Second
	for {
		var todo []string
		for _, p := range s.sy.FillOrder(minSize) {
			if !gone[p] {
				todo = append(todo, p)
			}
		}
		if len(todo) == 0 {
			break
		}
		failed, firstErr := s.fillPass(ctx, todo, gone)
		if ctx.Err() != nil {
			s.log.Info("background fill cancelled: logoff")
			return
		}
		if failed == 0 {
			continue // what an open or a rename added meanwhile
		}
		s.log.Warn("background fill paused: files could not be fetched; trying again", zap.Int("event_id", event.FillFailed),
			zap.Int("failed", failed), zap.Duration("pause", pause), zap.Error(firstErr))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, fillPauseMax)
	}
	files, bytes = s.sy.Unfetched()
	s.log.Info("background fill finished", zap.Int("event_id", event.FillDone), zap.Duration("took", time.Since(start)),
		zap.Int("files_not_local", files), zap.Int64("bytes_not_local", bytes))
}

// fillPass fetches todo with fillWorkers at once; files whose data is gone
// from the server go to gone. The first other failure ends the pass: the
// server is likely unreachable, and every file would wait out its retries.
func (s *Session) fillPass(parent context.Context, todo []string, gone map[string]bool) (failed int, first error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range fillWorkers {
		wg.Go(func() {
			for p := range next {
				err := s.sy.Prefetch(ctx, p)
				if err == nil || ctx.Err() != nil {
					continue
				}
				mu.Lock()
				if errors.Is(err, syncer.ErrGone) {
					gone[p] = true
					s.log.Warn("a file not yet local is no longer on the server copy; it stays as it is",
						zap.Int("event_id", event.FetchFailed), zap.String("path", p))
				} else {
					failed++
					if first == nil {
						first = err
					}
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	for _, p := range todo {
		select {
		case next <- p:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	return failed, first
}
