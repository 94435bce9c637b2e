package main

import (
	"fmt"
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
	if err != nil || !raw.Loaded || st.Loaded || raw.PID <= 0 || processAlive(raw.PID) {
		return nil
	}
	what := fmt.Sprintf("the session daemon (pid %d) is gone without logging off", raw.PID)
	if _, mounted := mountSource(raw.LocalPath); mounted {
		what += fmt.Sprintf("; its mount at %s is stale", raw.LocalPath)
		return fmt.Errorf("%s: run `roamfs logoff %s` to unmount it and sync the %d pending changes (nothing is lost: the journal holds them)",
			what, raw.LocalPath, st.PendingChanges)
	}
	return fmt.Errorf("%s: run `roamfs sync --cache %s` to sync the %d pending changes (nothing is lost: the journal holds them)",
		what, l.Dir, st.PendingChanges)
}
