// Package event is the table of roamfs' log events: their ids and texts.
//
// It is a leaf (it imports nothing of roamfs) so that the session, the
// Windows service and the Event Log message-table generator can share it
// without importing the sync engine.
package event

// Ids of roamfs' log events: the Linux log carries the id in
// the field event_id, `roamfs events` lists them, and the Windows Event Log
// message resources are generated from the same table. Ids are the User
// Profile Service's only where the meaning is Windows' own (its operational
// log's 1–4 and 50s, the Application log's 1500s as Windows defines them), so
// an administrator's searches find what they expect; roamfs' own events
// (conflicts, guards, replay, streaming, …) have ids of their own, 1600–1799,
// which Windows does not use for its profile service.
const (
	LogonStart          = 1    // Windows: received user logon notification
	LogonDone           = 2    // Windows: finished processing user logon notification
	LogoffStart         = 3    // Windows: received user logoff notification
	LogoffDone          = 4    // Windows: finished processing user logoff notification
	HiveUploadStarted   = 51   // background upload of the registry hive started
	HiveUploadSucceeded = 52   // background upload of the registry hive succeeded
	HiveUploadFailed    = 53   // background upload of the registry hive failed
	HiveMandatory       = 54   // hive never uploaded: read-only or mandatory profile
	UploadFailed        = 1504 // Windows: the roaming profile could not be completely updated
	CopyFailed          = 1509 // Windows: a file could not be copied
	NewProfile          = 1521 // Windows: no roaming copy (new one created, or the cached one used)
	NotOwner            = 1526 // Windows: the server folder belongs to someone else
	Conflict            = 1701 // roamfs: both machines changed a path
	KeptServer          = 1702 // roamfs: a newer write beat this machine's delete
	ReplayingJournal    = 1703 // roamfs: unsynced changes of an earlier session found at logon
	KeptLocal           = 1704 // roamfs: a cache file unknown to the server and the base was kept
	CaseClash           = 1705 // roamfs: names differing only in case were left untouched
	Discarded           = 1706 // roamfs: read-only or mandatory profile: changes not uploaded
	MassDelete          = 1707 // roamfs: logoff held, it would delete too much of the server
	OverQuota           = 1708 // roamfs: the profile is over its size limit
	SkippedEntry        = 1709 // roamfs: a server entry that cannot be part of a profile was skipped
	LogonFailed         = 1710 // roamfs: the logon failed; nothing was mounted
	OfflineSync         = 1711 // roamfs: a sync without a session (roamfs sync, or a logoff whose daemon died)
	JournalFailed       = 1712 // roamfs: a change could not be recorded in the journal; the operation failed
	CacheFailed         = 1713 // roamfs: the local cache could not be changed as asked (deleted after logoff, closed)
	UnmountFailed       = 1714 // roamfs: the profile could not be unmounted for logoff: the session goes on
	SetupWarning        = 1715 // roamfs: this machine's setup is not what roamfs expects; it goes on with a default
	ServerRetry         = 1716 // roamfs: a server operation failed and is tried again
	JournalMovedAside   = 1717 // roamfs: the change journal was unusable: moved aside, the profile reconciled without it
	ServerTempsLeft     = 1718 // roamfs: temporary files of an interrupted sync could not be removed from the server

	// Streamed logon (issue 13): Windows has no such events, so they take a
	// range of their own rather than a 15xx id meaning something else.
	FillStarted   = 1601 // roamfs: background fill of files not yet local started
	FillDone      = 1602 // roamfs: background fill finished: the profile is local
	FillFailed    = 1603 // roamfs: background fill paused: the server copy cannot be read; retrying
	FetchFailed   = 1604 // roamfs: a file not yet local could not be fetched when opened
	FetchSkipped  = 1605 // roamfs: a file never fetched was not uploaded: its server data is gone
	FetchedOnOpen = 1606 // roamfs: a file not yet local was fetched because it was opened

	// roamfs' own events without a Windows counterpart, kept clear of the
	// User Profile Service's 1500–1545 meanings.
	IndexNotUsed = 1610 // roamfs: the server's profile index is missing or cannot be trusted: logon walked
	IndexUsed    = 1611 // roamfs: logon read the namespace from the server's profile index
	ServerDrift  = 1612 // roamfs: the server copy changed behind roamfs; the differences are merged
	IndexFailed  = 1613 // roamfs: the server's profile index could not be checked, written or rebuilt

	// Live profile (issue 14): write-back rounds during the session.
	WriteBackStarted    = 1620 // roamfs: a write-back round started
	WriteBackDone       = 1621 // roamfs: a write-back round finished, with its counts
	WriteBackFailed     = 1622 // roamfs: a write-back round failed; the next one retries
	WriteBackServerDown = 1623 // roamfs: a write-back round was skipped: the server copy cannot be reached
	WriteBackHeld       = 1624 // roamfs: write-back rounds are held: they would delete too much of the server
	WriteBackBusy       = 1625 // roamfs: files open for writing were left to the next round
	PulledChanges       = 1626 // roamfs: changes written back by other machines were merged into the live profile

	// The Windows service's preparation of a profile before Windows loads
	// it (issue 19, DESIGN.md "Windows logon").
	HivePrepared     = 1630 // roamfs: the hive was brought from the server copy into the local profile folder
	HiveLoadedFirst  = 1631 // roamfs: prepared after Windows loaded the hive: a hive changed elsewhere is merged at logoff
	FolderMovedAside = 1632 // roamfs: a local folder in a junction's place was renamed and kept
	PrepareFailed    = 1633 // roamfs: the profile could not be prepared; Windows goes on with the local folder
	HiveUploaded     = 1634 // roamfs: the hive of the local profile folder was uploaded (newer hive wins)
	HiveStillLoaded  = 1635 // roamfs: the hive was still loaded after the session ended: not uploaded yet
	JunctionFailed   = 1636 // roamfs: a roaming folder's junction could not be placed; that folder stays local
)

// Event is one row of the table.
type Event struct {
	ID    int
	Text  string
	Level Level // the level the event is logged at, as `roamfs events --json` lists it
}

// Level is an event's severity, zap's level names.
type Level string

// The levels events are logged at.
const (
	Info  Level = "info"
	Warn  Level = "warn"
	Error Level = "error"
)

// Windows reports whether id is one of Windows' own User Profile Service ids,
// used with Windows' meaning.
func Windows(id int) bool { return id < 1000 || id >= 1500 && id <= 1545 }

// ByID returns the table's row for id.
func ByID(id int) (Event, bool) {
	for _, e := range All {
		if e.ID == id {
			return e, true
		}
	}
	return Event{}, false
}

// All is the table, by id.
var All = []Event{
	{LogonStart, "Received user logon notification: merging the server copy into the cache.", Info},
	{LogonDone, "Finished processing user logon: the profile is mounted.", Info},
	{LogoffStart, "Received user logoff notification: replaying the change journal to the server.", Info},
	{LogoffDone, "Finished processing user logoff: the server copy holds every change.", Info},
	{HiveUploadStarted, "Background upload of the registry hive started.", Info},
	{HiveUploadSucceeded, "Background upload of the registry hive succeeded.", Info},
	{HiveUploadFailed, "Background upload of the registry hive failed; the next trigger or the logoff tries again.", Error},
	{HiveMandatory, "The registry hive is not uploaded: the profile is read-only or mandatory.", Info},
	{UploadFailed, "The roaming profile could not be completely updated; every change is kept in the journal for the next sync.", Error},
	{CopyFailed, "A file could not be copied between the server copy and the cache.", Error},
	{NewProfile, "The roaming copy of the profile was not found: a new profile was created, or the cached copy is used for this session.", Warn},
	{NotOwner, "The roaming profile folder belongs to neither the user nor an administrator; logon refused.", Error},
	{Conflict, "Both machines changed this path: the newer version won and the other was kept as a conflict copy.", Warn},
	{KeptServer, "A path deleted on this machine was changed elsewhere: the newer version was kept.", Warn},
	{ReplayingJournal, "Unsynced changes of an earlier session were found and are merged into the server first.", Warn},
	{KeptLocal, "A file in the cache unknown to the server and to the last sync was kept and will be uploaded.", Info},
	{CaseClash, "Names that differ only in case were left untouched.", Warn},
	{Discarded, "The profile is read-only or mandatory: this session's changes were not uploaded.", Warn},
	{MassDelete, "The logoff was held: it would delete more of the server copy than MassDeletePercent allows.", Warn},
	{OverQuota, "The profile is over its size limit.", Warn},
	{SkippedEntry, "An entry of the server copy that cannot be part of a profile was skipped.", Warn},
	{LogonFailed, "The logon failed and nothing was mounted; the message says which side (server copy, cache, mount point) and what to do.", Error},
	{OfflineSync, "Pending changes were synced without a session (roamfs sync, or the logoff of a session whose daemon died).", Info},
	{JournalFailed, "A change could not be recorded in the change journal: the program's operation failed (nothing it wrote before is lost); a full disk is the usual cause.", Error},
	{CacheFailed, "The local cache could not be changed as asked (its status file or journal marks written, the cache deleted after a logoff by DeleteRoamingCache, or closed); if it was to be deleted, delete it by hand.", Error},
	{UnmountFailed, "The profile could not be unmounted for the logoff: a program still uses files under it. Nothing was synced and the session goes on; close the programs and log off again.", Error},
	{SetupWarning, "This machine's setup is not what roamfs expects (a setting that cannot be read, a service unit that is not installed, a debugging server that cannot start): roamfs goes on with the default the message names.", Warn},
	{ServerRetry, "An operation on the server copy failed and is tried again.", Warn},
	{JournalMovedAside, "The change journal could not be opened: it was moved aside (kept, never deleted) and the profile is reconciled without it by the load-time rules.", Warn},
	{ServerTempsLeft, "Temporary files that an interrupted sync left on the server copy could not be removed; the next sync tries again.", Warn},
	{FillStarted, "Streamed logon: the files not yet local are being brought into the cache in the background.", Info},
	{FillDone, "Streamed logon: the background fill finished; the whole profile is local.", Info},
	{FillFailed, "Streamed logon: the background fill cannot read the server copy; it pauses and tries again.", Warn},
	{FetchFailed, "A file not yet local could not be fetched from the server copy when it was opened; the open failed and a later one tries again.", Error},
	{FetchSkipped, "A file whose data was never fetched was not uploaded: its data is no longer on the server copy.", Warn},
	{FetchedOnOpen, "A file not yet local was fetched from the server copy because a program opened it.", Info},
	{IndexNotUsed, "The server copy's profile index is missing or cannot be trusted: the logon read the whole server copy.", Warn},
	{IndexUsed, "The logon read the server copy's namespace from its profile index.", Info},
	{IndexFailed, "The server copy's profile index could not be checked, written or rebuilt: the next logon reads the whole server copy.", Warn},
	{WriteBackStarted, "Live profile: a write-back round started.", Info},
	{WriteBackDone, "Live profile: a write-back round finished: this machine's changes are on the server copy and the other machines' are merged.", Info},
	{WriteBackFailed, "Live profile: a write-back round failed; every change stays in the journal and the next round tries again.", Error},
	{WriteBackServerDown, "Live profile: the server copy cannot be reached: this write-back round is skipped and the next one tries again.", Warn},
	{WriteBackHeld, "Live profile: write-back rounds are held: they would delete more of the server copy than MassDeletePercent allows; the logoff decides.", Warn},
	{WriteBackBusy, "Live profile: files open for writing were left to the next write-back round.", Info},
	{PulledChanges, "Live profile: changes other machines wrote back were merged into the mounted profile.", Info},
	{ServerDrift, "The server copy was changed by something other than roamfs since its profile index was written: the differences are merged, and the next logoff rewrites the index.", Warn},
	{HivePrepared, "The registry hive was brought from the server copy into the local profile folder before Windows loaded it (the newer hive wins).", Info},
	{HiveLoadedFirst, "The profile was prepared after Windows had loaded the registry hive (the network provider is not installed, or MPR notifications are disabled): a hive changed on another machine since is merged only at logoff, where the newer hive wins.", Warn},
	{FolderMovedAside, "A local folder with files was in the place of a roaming folder's junction: it was renamed NAME.roamfs-local-TIME and kept; move its files into the roaming folder.", Warn},
	{PrepareFailed, "The roaming profile could not be prepared before the logon; Windows goes on with the local profile folder.", Error},
	{HiveUploaded, "The registry hive of the local profile folder was uploaded to the server copy (the newer hive wins).", Info},
	{HiveStillLoaded, "The registry hive was still loaded after the session had ended: it was not uploaded now; the next preparation of the profile uploads it if it is the newer one.", Warn},
	{JunctionFailed, "A roaming folder's junction into the roamfs volume could not be placed: that folder stays local for this session.", Error},
}
