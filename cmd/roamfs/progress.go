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

func watch(poll func() (syncer.Progress, bool), asJSON bool, w io.Writer) (stop func()) {
	f, isFile := w.(*os.File)
	onTerminal := isFile && term.IsTerminal(int(f.Fd()))
	if !asJSON && !onTerminal {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var bar *progressbar.ProgressBar
		defer func() {
			if bar != nil {
				bar.Finish()
			}
		}()
		start, lastLine := time.Now(), time.Time{}
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if time.Since(start) < progressDelay {
				continue
			}
			p, ok := poll()
			if !ok || p.Phase == "" || p.FilesTotal == 0 {
				continue
			}
			if asJSON {
				if time.Since(lastLine) >= time.Second {
					writeStatusLine(w, p, time.Since(start))
					lastLine = time.Now()
				}
				continue
			}
			if bar == nil {
				bar = newBar(w, p)
			}
			bar.ChangeMax64(max(p.BytesTotal, 1))
			bar.Describe(progressText(p))
			bar.Set64(p.BytesDone)
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func newBar(w io.Writer, p syncer.Progress) *progressbar.ProgressBar {
	return progressbar.NewOptions64(max(p.BytesTotal, 1),
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(progressText(p)))
}

func progressText(p syncer.Progress) string {
	return p.Phase + " " + strconv.FormatInt(p.FilesDone, 10) + "/" + strconv.FormatInt(p.FilesTotal, 10) + " files"
}

// writeStatusLine is one JSON status line, as restic's --json prints them.
func writeStatusLine(w io.Writer, p syncer.Progress, elapsed time.Duration) {
	pct := 0.0
	switch {
	case p.BytesTotal > 0:
		pct = float64(p.BytesDone) / float64(p.BytesTotal)
	case p.FilesTotal > 0:
		pct = float64(p.FilesDone) / float64(p.FilesTotal)
	}
	json.NewEncoder(w).Encode(map[string]any{
		"message_type": "status", "phase": p.Phase, "percent_done": pct,
		"files_done": p.FilesDone, "total_files": p.FilesTotal,
		"bytes_done": p.BytesDone, "total_bytes": p.BytesTotal,
		"seconds_elapsed": int(elapsed.Seconds()),
	})
}
