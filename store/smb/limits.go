package smb

import (
	"context"
	"os"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"
)

// limits is what a share keeps of times and names, found by probe.
type limits struct {
	granularity time.Duration // a stored time is a multiple of it
	roundUp     bool          // the share rounds up (FAT) instead of truncating
	foldsCase   bool
}

// defaultLimits are NTFS's and Samba's: 100 ns FILETIMEs, names compared
// case-insensitively. A share that does not let the probe write is taken to
// be one.
var defaultLimits = limits{granularity: 100 * time.Nanosecond, foldsCase: true}

// time is what the share stores for t.
func (l limits) time(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	tr := t.Truncate(l.granularity)
	if l.roundUp && !tr.Equal(t) {
		tr = tr.Add(l.granularity)
	}
	return tr
}

// probeTime has an odd second and every sub-second digit set, so that what
// the share keeps of it shows the share's granularity.
var probeTime = time.Date(2001, 2, 3, 4, 5, 7, 123456789, time.UTC)

// probe writes a temporary file in the profile folder, gives it probeTime,
// reads the time back and looks the file up by its upper-cased name.
func (s *Store) probe(ctx context.Context) limits {
	l := defaultLimits
	name := siblingOf(s.full("x"), tempName()+"-probe")
	err := s.c.do(ctx, func(sh *smb2.Share) error {
		f, err := sh.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		f.Close()
		defer sh.Remove(name)
		if err := sh.Chtimes(name, probeTime, probeTime); err != nil {
			return err
		}
		fi, err := sh.Lstat(name)
		if err != nil {
			return err
		}
		l.granularity, l.roundUp = granularityOf(fi.ModTime())
		_, err = sh.Lstat(strings.ToUpper(name))
		l.foldsCase = err == nil
		return nil
	})
	if err != nil {
		return defaultLimits
	}
	return l
}

// granularityOf finds the coarsest step that explains what the share made
// of probeTime (coarsest first: FAT's 2 s rounded up looks like 1 s rounded
// up for an odd second).
func granularityOf(got time.Time) (time.Duration, bool) {
	for _, g := range []time.Duration{2 * time.Second, time.Second, 10 * time.Millisecond, time.Millisecond, time.Microsecond, 100 * time.Nanosecond} {
		tr := probeTime.Truncate(g)
		switch {
		case got.Equal(tr):
			return g, false
		case got.Equal(tr.Add(g)):
			return g, true
		}
	}
	if got.Equal(probeTime) {
		return time.Nanosecond, false
	}
	return defaultLimits.granularity, false
}
