package journal

import (
	"errors"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// gcInterval is how often the value log is garbage-collected. Appends only
// add, but Commit rewrites bases and the watermark, so over a long-lived cache
// the value log would otherwise only grow. A variable for tests.
var gcInterval = 5 * time.Minute

// gcDiscardRatio: rewrite a value-log file when at least half of it is stale.
const gcDiscardRatio = 0.5

// gcTicker runs badger's value-log GC periodically. Close stops it before
// closing the database: GC against a closing DB is rejected at best.
type gcTicker struct {
	stopc chan struct{}
	done  chan struct{}
}

func startGC(db *badger.DB, log *zap.Logger, every time.Duration) *gcTicker {
	g := &gcTicker{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-g.stopc:
				return
			case <-t.C:
				g.run(db, log)
			}
		}
	}()
	return g
}

// run collects files until badger finds nothing worth rewriting (ErrNoRewrite)
// or stop is requested.
func (g *gcTicker) run(db *badger.DB, log *zap.Logger) {
	for n := 0; ; n++ {
		select {
		case <-g.stopc:
			return
		default:
		}
		err := db.RunValueLogGC(gcDiscardRatio)
		if err == nil {
			continue
		}
		if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
			log.Warn("journal value-log GC failed", zap.Error(err))
		} else if n > 0 {
			log.Debug("journal value-log GC", zap.Int("files_rewritten", n))
		}
		return
	}
}

func (g *gcTicker) stop() {
	close(g.stopc)
	<-g.done
}
