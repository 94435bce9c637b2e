package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

func (r *stormResult) errors() int {
	n := 0
	for _, s := range r.Sessions {
		if s.Err != "" {
			n++
		}
	}
	return n
}

func render(results []*stormResult, began time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# roamfs logon storm, %s (%d cores, %s)\n\n", began.UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.Version())
	b.WriteString("| server | users × files | window (s) | logon p50 / p99 (s) | logoff p50 / p99 (s) | store calls per logon / logoff | store calls/s | sessions/s | errors |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	var errs []string
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(&b, "| %s | %d × %d | | | | | | | setup: %s |\n", r.Backend, r.Users, r.Files, r.Err)
			continue
		}
		var lon, loff []float64
		var lc, oc int64
		ok := 0
		for _, s := range r.Sessions {
			if s.Err != "" {
				errs = append(errs, fmt.Sprintf("%s: %s", r.Backend, s.Err))
				continue
			}
			ok++
			lon, loff = append(lon, s.Logon), append(loff, s.Logoff)
			lc, oc = lc+s.LogonCalls, oc+s.LogoffCalls
		}
		perLogon, perLogoff := float64(lc)/float64(max(ok, 1)), float64(oc)/float64(max(ok, 1))
		fmt.Fprintf(&b, "| %s | %d × %d | %.1f | %.3f / %.3f | %.3f / %.3f | %.0f / %.0f | %.0f | %.1f | %d |\n",
			r.Backend, r.Users, r.Files, r.Window, percentile(lon, 50), percentile(lon, 99), percentile(loff, 50), percentile(loff, 99),
			perLogon, perLogoff, float64(lc+oc)/r.Wall, float64(ok)/r.Wall, r.errors())
	}
	b.WriteString("\nStore calls: every Stat, Walk, ListDir, Open, Put, Mkdir, Remove, SetTimes of the syncer on the server (StatTag and PutIf, " +
		"the conditional writes, counted too). Not S3 requests: on S3 a Walk is a listing page per 1,000 keys plus a HEAD per object below it, " +
		"a described ListDir a listing plus a HEAD per entry, a Stat of an absent path two HEADs. " +
		"Each session: logon into an empty cache (the whole profile downloaded, PSEnabled off), changes journaled, logoff; durable journal.\n")
	for i, e := range errs {
		if i == 10 {
			fmt.Fprintf(&b, "- ... %d more\n", len(errs)-10)
			break
		}
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return b.String()
}
