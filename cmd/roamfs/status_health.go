package main

import (
	"fmt"
	"os"
	"strings"

	"roamfs/cachedir"
)

// statusWords spells out Win32_UserProfile's Status bits.
func statusWords(s int) string {
	var w []string
	for _, b := range []struct {
		bit  int
		word string
	}{
		{cachedir.StatusTemporary, "temporary"},
		{cachedir.StatusRoaming, "roaming"},
		{cachedir.StatusMandatory, "mandatory"},
		{cachedir.StatusCorrupted, "corrupted"},
	} {
		if s&b.bit != 0 {
			w = append(w, b.word)
		}
	}
	if len(w) == 0 {
		return "local only"
	}
	return strings.Join(w, ", ")
}

// sessionHealth reports a session that ended without a logoff: the status
// file still names a daemon (the raw file's Loaded; readStatus already says
// false since no daemon answered) that is gone, and perhaps a mount left
// behind that answers every access with "transport endpoint is not
// connected". Nothing is lost: the journal holds the changes.
func sessionHealth(l cachedir.Layout, st cachedir.Status) error {
	raw, err := l.ReadStatus()
	if err != nil || st.Loaded {
		return nil
	}
	if src, mounted := mountSource(raw.LocalPath); mounted && raw.LocalPath != "" && sameDir(src, l.Dir) {
		return fmt.Errorf("the session daemon (pid %d) is gone without logging off and its mount at %s is stale: "+
			"run `roamfs logoff %s` to unmount it and sync the %d pending changes (nothing is lost: the journal holds them)",
			raw.PID, raw.LocalPath, raw.LocalPath, st.PendingChanges)
	}
	if raw.Loaded && raw.PID > 0 && !processAlive(raw.PID) {
		return fmt.Errorf("the session daemon (pid %d) is gone without logging off: run `roamfs sync --cache %s` "+
			"to sync the %d pending changes (nothing is lost: the journal holds them)", raw.PID, l.Dir, st.PendingChanges)
	}
	return nil
}

// sameDir reports whether a and b name one directory.
func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
