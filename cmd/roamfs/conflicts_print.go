package main

import (
	"fmt"
	"io"
	"time"

	"roamfs/syncer"
)

// printConflicts names each conflict of a sync: which version won, both
// versions' machines and times, and where the losing one is kept.
func printConflicts(w io.Writer, cs []syncer.Conflict) {
	for _, c := range cs {
		loser, winner := c.Server, c.Local
		if c.Winner == "server" {
			loser, winner = c.Local, c.Server
		}
		kept := "not kept (ConflictCopies is off)"
		if c.Copy != "" {
			kept = "kept as " + c.Copy
		}
		fmt.Fprintf(w, "conflict: %s: %s's version of %s won over %s's of %s; the loser is %s\n",
			c.Path, winner.Host, stamp(winner.MTime), loser.Host, stamp(loser.MTime), kept)
	}
}

func stamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }
