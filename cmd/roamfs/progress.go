package main

import (
	"encoding/json"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/syncer"
)

// progressDelay: a sync shorter than this shows no progress at all.
const progressDelay = time.Second

// watchProgress shows the progress of the session's running logon or
// logoff sync while the command waits for it: a bar on a terminal (files and
// bytes, rate), JSON status lines with --json (restic's style, on stderr so
// that stdout stays the one result object scripts read), nothing otherwise.
// stop ends it.
func watchProgress(l cachedir.Layout, asJSON bool, w io.Writer) (stop func()) {
	var c *session.Client
	return watch(func() (syncer.Progress, bool) {
		if c == nil {
			var err error
			if c, err = session.Dial(l); err != nil {
				return syncer.Progress{}, false
			}
		}
		p, err := c.Progress()
		return p, err == nil
	}, asJSON, w)
}

// watchSyncer is watchProgress for a sync this process runs itself.
func watchSyncer(sy *syncer.Syncer, asJSON bool, w io.Writer) (stop func()) {
	return watch(func() (syncer.Progress, bool) { return sy.Progress(), true }, asJSON, w)
}

// progressEveryEnv, a duration, replaces the first second of silence and
// the second between two JSON status lines: for tests, which need lines
// from a short sync.
const progressEveryEnv = "ROAMFS_PROGRESS_INTERVAL"

func watch(poll func() (syncer.Progress, bool), asJSON bool, w io.Writer) (stop func()) {
	f, isFile := w.(*os.File)
	onTerminal := isFile && term.IsTerminal(int(f.Fd()))
	if !asJSON && !onTerminal {
		return func() {}
	}
	delay, every := progressDelay, time.Second
	if d, err := time.ParseDuration(os.Getenv(progressEveryEnv)); err == nil && d > 0 {
		delay, every = d, d
	}
	// What the daemon reports now is an earlier sync's (its last phase
	// stays reported, done): only phases started from now on are shown.
	var base int64
	if p, ok := poll(); ok {
		base = p.Run
	}
	poll0 := poll
	poll = func() (syncer.Progress, bool) {
		p, ok := poll0()
		return p, ok && p.Run > base && p.Phase != ""
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var bar *progressbar.ProgressBar
		var barPhase string
		start, lastLine := time.Now(), time.Time{}
		defer func() {
			if bar != nil {
				bar.Finish()
			}
			// The last line says where the sync ended, once lines were
			// printed (a short sync prints none at all).
			if p, ok := poll(); asJSON && !lastLine.IsZero() && ok && p.Phase != "" {
				writeStatusLine(w, p, time.Since(start))
			}
		}()
		tick := time.NewTicker(min(250*time.Millisecond, every))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if time.Since(start) < delay {
				continue
			}
			p, ok := poll()
			if !ok || p.Phase == "" {
				continue
			}
			if asJSON {
				if time.Since(lastLine) >= every {
					writeStatusLine(w, p, time.Since(start))
					lastLine = time.Now()
				}
				continue
			}
			if bar == nil || barPhase != p.Phase {
				if bar != nil {
					bar.Finish()
				}
				bar, barPhase = newBar(w, p), p.Phase
			}
			bar.Describe(progressText(p))
			if p.Phase == syncer.PhaseListing {
				bar.Set64(p.FilesDone) // a spinner: no total yet
				continue
			}
			bar.ChangeMax64(max(p.BytesTotal, 1))
			bar.Set64(p.BytesDone)
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func newBar(w io.Writer, p syncer.Progress) *progressbar.ProgressBar {
	if p.Phase == syncer.PhaseListing {
		return progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription(progressText(p)))
	}
	return progressbar.NewOptions64(max(p.BytesTotal, 1),
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(progressText(p)))
}

func progressText(p syncer.Progress) string {
	if p.Phase == syncer.PhaseListing {
		return p.Phase + " " + strconv.FormatInt(p.FilesDone, 10) + " entries"
	}
	return p.Phase + " " + strconv.FormatInt(p.FilesDone, 10) + "/" + strconv.FormatInt(p.FilesTotal, 10) + " files"
}

// writeStatusLine is one JSON status line, as restic's --json prints them.
func writeStatusLine(w io.Writer, p syncer.Progress, elapsed time.Duration) {
	// A phase's percentage only grows; the listing's total is not known
	// yet (0), and a phase with nothing to do is done (1).
	pct := 1.0
	switch {
	case p.Phase == syncer.PhaseListing:
		pct = 0
	case p.BytesTotal > 0:
		pct = float64(p.BytesDone) / float64(p.BytesTotal)
	case p.FilesTotal > 0:
		pct = float64(p.FilesDone) / float64(p.FilesTotal)
	}
	pct = min(max(pct, 0), 1)
	json.NewEncoder(w).Encode(map[string]any{
		"message_type": "status", "phase": p.Phase, "percent_done": pct,
		"files_done": p.FilesDone, "total_files": p.FilesTotal,
		"bytes_done": p.BytesDone, "total_bytes": p.BytesTotal,
		"seconds_elapsed": int(elapsed.Seconds()),
	})
}
