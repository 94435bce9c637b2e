package main

import "fmt"

// smb is issue 16's table: roamfs through SMB against smbclient.
func (r *report) smb(s *smbResult) {
	r.f("\n## 7. Through SMB, against smbclient\n\n")
	if s.Skipped != "" {
		r.f("Skipped: %s.\n", s.Skipped)
		return
	}
	r.f("One private smbd (%s, `internal/smbdtest`) on loopback; profile of %s files, %s, %s folders (fixed seed %v). "+
		"First logon into an empty cache, page cache dropped before each: streamed (the default policy: returns once mounted) and "+
		"`PSEnabled: false` (everything copied first, the fair match for a full copy), against "+
		"`smbclient -c 'prompt OFF; recurse ON; mget *'` into an empty directory. Logoff: log on, change %d files through the mount "+
		"(80%% rewritten, 10%% new, 10%% deleted), time `roamfs logoff`, against `smbclient ... mput *` of the same cache into a fresh folder of the share.\n\n",
		s.Samba, commas(int64(s.Files)), size(s.Bytes), commas(int64(s.Dirs)), r.res.Config["seed"], s.Changes)
	var st, full, get, lo, put sample
	for _, x := range s.Logon {
		st, full, get = append(st, x.Streamed), append(full, x.Full), append(get, x.Get)
	}
	for _, x := range s.Logoff {
		lo, put = append(lo, x.Logoff), append(put, x.Put)
	}
	r.header("measurement", "roamfs (s)", "smbclient (s)", "**ratio**", "target", "result")
	if len(s.Logon) > 0 {
		rf := ratios(full, get)
		r.row("first logon, PSEnabled false (full copy) vs get", full.spread(), get.spread(), "**"+rf.ratioSpread()+"**",
			fmt.Sprintf("roamfs / get ≤ %.1f×", targetSMBLogon), r.verdict(rf.median(), targetSMBLogon, false, fmt.Sprintf(
				"first logon through SMB, full copy: %.2f s against smbclient's get %.2f s.", full.median(), get.median())))
		rs := ratios(st, get)
		r.row("first logon, streamed (default) vs get", st.spread(), get.spread(), "**"+rs.ratioSpread()+"**",
			fmt.Sprintf("roamfs / get ≤ %.1f×", targetSMBLogon), r.verdict(rs.median(), targetSMBLogon, false, fmt.Sprintf(
				"streamed first logon through SMB: %.2f s against smbclient's get %.2f s.", st.median(), get.median())))
	}
	if len(s.Logoff) > 0 {
		rp := ratios(put, lo)
		r.row(fmt.Sprintf("logoff of %d changes vs full put", s.Changes), lo.spread(), put.spread(), "**"+rp.ratioSpread()+"**",
			fmt.Sprintf("put / roamfs ≥ %d×", targetSMBLogoff), r.verdict(rp.median(), targetSMBLogoff, true, fmt.Sprintf(
				"logoff through SMB: %.2f s against smbclient's put %.2f s (%.1f×).", lo.median(), put.median(), rp.median())))
	}
	errLine(r, s.Err)
}
