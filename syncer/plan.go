package syncer

// The words every part of a sync shares: what this machine intended for a
// path, what a sync does to it and why (a Decision), and the Step and Plan
// that carry them from the planning to the applying.

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

// Step is one path's decision with the inputs that led to it.
type Step struct {
	Path       string // the cache's spelling
	ServerPath string // the server's spelling (differs only in case)
	Intent     Intent
	Decision
	Base, Server, Local Version
}

// Plan is what a logoff will do: the steps and the journal position they cover.
type Plan struct {
	Through uint64
	Steps   []Step
}
