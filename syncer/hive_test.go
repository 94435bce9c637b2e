package syncer

import (
	"testing"
	"time"
)

func TestDecideHive(t *testing.T) {
	b := file(10, 0)
	cases := []struct {
		name                string
		base, server, local Version
		want                Action
	}{
		{"changed, newer than server", b, b, file(11, time.Hour), ActUpload},
		{"unchanged since last upload", b, file(12, 2*time.Hour), b, ActNothing},
		{"server newer: last writer wins", b, file(12, 2*time.Hour), file(11, time.Hour), ActKeepServer},
		{"no server hive", absent, absent, file(11, time.Hour), ActUpload},
		{"already there", b, file(11, time.Hour), file(11, time.Hour), ActNothing},
	}
	for _, c := range cases {
		if got := DecideHive(c.base, c.server, c.local); got.Action != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, got.Action, got.Rule, c.want)
		}
	}
}
