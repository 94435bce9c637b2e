package syncer

// Intent is what this machine's journal says it did to a path.
type Intent uint8

const (
	IntentNone   Intent = iota // touched but back where it started, or never touched
	IntentWrite                // created, modified, chmod-ed, renamed to here
	IntentDelete               // deleted or renamed away
)

func (i Intent) String() string {
	return [...]string{"none", "write", "delete"}[i]
}

// Action is what a sync does to one path.
type Action uint8

const (
	ActNothing        Action = iota
	ActUpload                // logoff: server := local
	ActDeleteServer          // logoff: remove from the server
	ActKeepServer            // logoff: leave the server's newer version (a newer write beats our delete)
	ActConflictLocal         // logoff: both changed, local is newer: server's version becomes a conflict copy, then upload
	ActConflictServer        // logoff: both changed, server is newer: local version goes up as a conflict copy
	ActDownload              // logon: cache := server
	ActDeleteLocal           // logon: remove from the cache (deleted elsewhere)
	ActKeepLocal             // logon: cache holds something the server and base don't know: keep it
	ActKeepPending           // logon: a pending change here, merged at the next logoff against its old base
)

func (a Action) String() string {
	return [...]string{"nothing", "upload", "delete-server", "keep-server", "conflict-local-wins",
		"conflict-server-wins", "download", "delete-local", "keep-local", "keep-pending"}[a]
}

// Decision is an action and the name of the rule that chose it, for the dry-run
// plan, the log and the tests.
type Decision struct {
	Action Action
	Rule   string
}

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
