// Package event is the table of roamfs' log events: their ids and texts.
//
// It is a leaf (it imports nothing of roamfs) so that the session, the
// Windows service and the Event Log message-table generator can share it
// without importing the sync engine.
package event

// Ids of roamfs' log events: the Linux log carries the id in
// the field event_id, `roamfs events` lists them, and the Windows Event Log
// message resources are generated from the same table. Ids follow the User
// Profile Service's where the meaning matches (its operational log's 1–4 and
// 50s, the Application log's 15xx), so an administrator's searches still work.
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
	Conflict            = 1530 // roamfs: both machines changed a path
	KeptServer          = 1531 // roamfs: a newer write beat this machine's delete
	ReplayingJournal    = 1532 // roamfs: unsynced changes of an earlier session found at logon
	KeptLocal           = 1533 // roamfs: a cache file unknown to the server and the base was kept
	CaseClash           = 1534 // roamfs: names differing only in case were left untouched
	Discarded           = 1535 // roamfs: read-only or mandatory profile: changes not uploaded
	MassDelete          = 1536 // roamfs: logoff held, it would delete too much of the server
	OverQuota           = 1537 // roamfs: the profile is over its size limit
	SkippedEntry        = 1538 // roamfs: a server entry that cannot be part of a profile was skipped
	// roamfs' own events without a Windows counterpart, kept clear of the
	// User Profile Service's 1500–1545 meanings.
	IndexNotUsed = 1610 // roamfs: the server's profile index is missing or cannot be trusted: logon walked
	IndexUsed    = 1611 // roamfs: logon read the namespace from the server's profile index
	ServerDrift  = 1612 // roamfs: the server copy changed behind roamfs; the differences are merged
)

// Event is one row of the table.
type Event struct {
	ID   int
	Text string
}

// All is the table, by id.
var All = []Event{
	{LogonStart, "Received user logon notification: merging the server copy into the cache."},
	{LogonDone, "Finished processing user logon: the profile is mounted."},
	{LogoffStart, "Received user logoff notification: replaying the change journal to the server."},
	{LogoffDone, "Finished processing user logoff: the server copy holds every change."},
	{HiveUploadStarted, "Background upload of the registry hive started."},
	{HiveUploadSucceeded, "Background upload of the registry hive succeeded."},
	{HiveUploadFailed, "Background upload of the registry hive failed; the next trigger or the logoff tries again."},
	{HiveMandatory, "The registry hive is not uploaded: the profile is read-only or mandatory."},
	{UploadFailed, "The roaming profile could not be completely updated; every change is kept in the journal for the next sync."},
	{CopyFailed, "A file could not be copied between the server copy and the cache."},
	{NewProfile, "The roaming copy of the profile was not found: a new profile was created, or the cached copy is used for this session."},
	{NotOwner, "The roaming profile folder belongs to neither the user nor an administrator; logon refused."},
	{Conflict, "Both machines changed this path: the newer version won and the other was kept as a conflict copy."},
	{KeptServer, "A path deleted on this machine was changed elsewhere: the newer version was kept."},
	{ReplayingJournal, "Unsynced changes of an earlier session were found and are merged into the server first."},
	{KeptLocal, "A file in the cache unknown to the server and to the last sync was kept and will be uploaded."},
	{CaseClash, "Names that differ only in case were left untouched."},
	{Discarded, "The profile is read-only or mandatory: this session's changes were not uploaded."},
	{MassDelete, "The logoff was held: it would delete more of the server copy than MassDeletePercent allows."},
	{OverQuota, "The profile is over its size limit."},
	{SkippedEntry, "An entry of the server copy that cannot be part of a profile was skipped."},
	{IndexNotUsed, "The server copy's profile index is missing or cannot be trusted: the logon read the whole server copy."},
	{IndexUsed, "The logon read the server copy's namespace from its profile index."},
	{ServerDrift, "The server copy was changed by something other than roamfs since its profile index was written: the differences are merged, and the next logoff rewrites the index."},
}
