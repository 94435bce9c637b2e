package syncer

import (
	"time"

	"roamfs/policy"
)

// The decisions: DESIGN.md's merge tables as pure functions of the inputs a
// Step holds (this machine's intent, the base, the server's version and the
// local one), each returning an action and the name of the rule that chose
// it; then, at the end of the file, which table a path gets. Nothing here
// reads or writes a file.

// IntentOf derives this machine's intent for a path it journaled a change to.
func IntentOf(base, local Version) Intent {
	switch {
	case local.Same(base):
		return IntentNone
	case !local.Present():
		return IntentDelete
	default:
		return IntentWrite
	}
}

// DecideLogoff is DESIGN.md's logoff table. Only paths with journaled intent
// reach it, so a path this machine did not touch is never changed by its logoff.
func DecideLogoff(in Intent, base, server, local Version) Decision {
	switch in {
	case IntentWrite:
		switch {
		case server.Same(local):
			return Decision{ActNothing, "server already holds the local version"}
		case server.Same(base):
			return Decision{ActUpload, "changed here, unchanged on server"}
		case base.Present() && !server.Present():
			return Decision{ActUpload, "a write beats a delete"}
		case server.Kind == KindDir && local.Kind == KindDir:
			return Decision{ActUpload, "directory on both sides: merge"}
		case local.Kind == KindDir:
			// A folder's children are separate paths; only the file
			// standing in its way can move aside, whatever the times.
			return Decision{ActConflictLocal, "a folder beats a file: the file is kept as a conflict copy"}
		case local.MTime.After(server.MTime):
			return Decision{ActConflictLocal, "changed on both sides: local is newer"}
		default:
			return Decision{ActConflictServer, "changed on both sides: server is newer"}
		}
	case IntentDelete:
		switch {
		case !server.Present():
			return Decision{ActNothing, "already absent on server"}
		case server.Same(base):
			return Decision{ActDeleteServer, "deleted here, unchanged on server"}
		default:
			return Decision{ActKeepServer, "a newer write beats an older delete"}
		}
	}
	return Decision{ActNothing, "no net change"}
}

// DecideLogon is DESIGN.md's logon table for a path without a pending change
// (pending paths are never touched at logon: they are merged at the next logoff
// against their old base).
func DecideLogon(pending bool, base, server, cache Version) Decision {
	switch {
	case pending:
		return Decision{ActKeepPending, "pending change here: merged at logoff against its old base"}
	case server.Present() && server.Same(cache):
		return Decision{ActNothing, "cache agrees with server"}
	case server.Present() && server.Kind == KindDir && cache.Kind == KindDir:
		return Decision{ActDownload, "directory mode changed on server"}
	case server.Present() && cache.Present():
		return Decision{ActDownload, "server newer"}
	case server.Present():
		return Decision{ActDownload, "new on server"}
	case !cache.Present():
		return Decision{ActNothing, "absent on both"}
	case cache.Same(base) || (cache.Kind == KindDir && base.Kind == KindDir):
		return Decision{ActDeleteLocal, "not present on the server and not modified since the last logoff"}
	default:
		return Decision{ActKeepLocal, "in the cache only and unknown to the last sync: kept"}
	}
}

// DecideFull is Windows 2000's load-time rule for a path with no base version
// (the journal and its bases were lost, or the cache was edited unmounted):
// last writer wins between cache and server, and a server file missing from the
// cache is deleted only if it is older than the load time — otherwise another
// machine wrote it after this one loaded the profile.
func DecideFull(loadTime time.Time, server, local Version) Decision {
	switch {
	case server.Same(local):
		return Decision{ActNothing, "full: cache and server agree"}
	case local.Present() && !server.Present():
		return Decision{ActUpload, "full: only in the cache"}
	case local.Present() && local.Kind == KindDir && server.Kind == KindDir:
		return Decision{ActUpload, "full: directory on both sides"}
	case local.Present() && local.MTime.After(server.MTime):
		return Decision{ActUpload, "full: cache is newer (last writer wins)"}
	case local.Present():
		return Decision{ActKeepServer, "full: server is newer (last writer wins)"}
	case server.Kind == KindDir:
		return Decision{ActKeepServer, "full: folders missing from the cache are kept"}
	case !loadTime.IsZero() && server.MTime.Before(loadTime):
		return Decision{ActDeleteServer, "full: older than the load time, so deleted here"}
	default:
		return Decision{ActKeepServer, "full: written after the load time by another machine"}
	}
}

// DecideMirror is NT 4.0's Xcopy mirror: the server becomes a copy of the cache,
// whatever another machine wrote. It exists for single-machine users and to
// show the data loss the merge rules prevent.
func DecideMirror(server, local Version) Decision {
	switch {
	case server.Same(local):
		return Decision{ActNothing, "mirror: same"}
	case !local.Present():
		return Decision{ActDeleteServer, "mirror: not in the cache"}
	default:
		return Decision{ActUpload, "mirror: cache differs"}
	}
}

// DecideHive: the hive is uploaded when it changed since it was last uploaded
// (its base) and is newer than the server's; otherwise the server's stays.
func DecideHive(base, server, local Version) Decision {
	switch {
	case !local.Present():
		return Decision{ActNothing, "hive: not in the cache"}
	case local.Same(server):
		return Decision{ActNothing, "hive: server already has it"}
	case local.Same(base):
		return Decision{ActNothing, "hive: unchanged since its last upload"}
	case !server.Present() || local.MTime.After(server.MTime):
		return Decision{ActUpload, "hive: newer hive wins"}
	default:
		return Decision{ActKeepServer, "hive: the server's hive is newer (last writer wins)"}
	}
}

// decideWithIntent is the choice of table for a path with journaled intent (a
// logoff, or a full sync's path that has a base): DESIGN.md's logoff table,
// except for the hive, which has its own stream and rule. A read-only or
// mandatory profile's Apply uploads nothing whatever the table says.
func (s *Syncer) decideWithIntent(st Step) Decision {
	st = s.atServer(st)
	if s.cfg.Policy.IsHive(st.Path) {
		return DecideHive(st.Base, st.Server, st.Local)
	}
	return DecideLogoff(st.Intent, st.Base, st.Server, st.Local)
}

// decideWhole is the choice of table for a full or mirror sync (PlanFull):
// DecideMirror for every path in mirror mode; otherwise the journal mode's
// decision where a base exists, and DecideFull's load-time rule where none
// does (the journal and its bases were lost).
func (s *Syncer) decideWhole(st Step, hasBase bool, loadTime time.Time) (Intent, Decision) {
	st = s.atServer(st)
	switch {
	case s.cfg.Policy.MergeMode == policy.MergeModeMirror:
		return IntentWrite, DecideMirror(st.Server, st.Local)
	case hasBase:
		st.Intent = IntentOf(st.Base, st.Local)
		return st.Intent, s.decideWithIntent(st)
	default:
		return IntentWrite, DecideFull(loadTime, st.Server, st.Local)
	}
}
