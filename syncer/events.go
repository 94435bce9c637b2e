package syncer

// Events are roamfs' log events, in one table: the Linux log carries the id in
// the field event_id, `roamfs events` lists them, and the Windows Event Log
// message resources are generated from the same table. Ids follow the User
// Profile Service's where the meaning matches (its operational log's 1–4 and
// 50s, the Application log's 15xx), so an administrator's searches still work.
const (
	EventLogonStart          = 1    // Windows: received user logon notification
	EventLogonDone           = 2    // Windows: finished processing user logon notification
	EventLogoffStart         = 3    // Windows: received user logoff notification
	EventLogoffDone          = 4    // Windows: finished processing user logoff notification
	EventHiveUploadStarted   = 51   // background upload of the registry hive started
	EventHiveUploadSucceeded = 52   // background upload of the registry hive succeeded
	EventHiveUploadFailed    = 53   // background upload of the registry hive failed
	EventHiveMandatory       = 54   // hive never uploaded: read-only or mandatory profile
	EventUploadFailed        = 1504 // Windows: the roaming profile could not be completely updated
	EventCopyFailed          = 1509 // Windows: a file could not be copied
	EventNewProfile          = 1521 // Windows: no roaming copy (new one created, or the cached one used)
	EventNotOwner            = 1526 // Windows: the server folder belongs to someone else
	EventConflict            = 1530 // roamfs: both machines changed a path
	EventKeptServer          = 1531 // roamfs: a newer write beat this machine's delete
	EventReplayingJournal    = 1532 // roamfs: unsynced changes of an earlier session found at logon
	EventKeptLocal           = 1533 // roamfs: a cache file unknown to the server and the base was kept
	EventCaseClash           = 1534 // roamfs: names differing only in case were left untouched
	EventDiscarded           = 1535 // roamfs: read-only or mandatory profile: changes not uploaded
	EventMassDelete          = 1536 // roamfs: logoff held, it would delete too much of the server
	EventOverQuota           = 1537 // roamfs: the profile is over its size limit
	EventSkippedEntry        = 1538 // roamfs: a server entry that cannot be part of a profile was skipped
)

// Event is one row of the table.
type Event struct {
	ID   int
	Text string
}

// Events is the table, by id.
var Events = []Event{
	{EventLogonStart, "Received user logon notification: merging the server copy into the cache."},
	{EventLogonDone, "Finished processing user logon: the profile is mounted."},
	{EventLogoffStart, "Received user logoff notification: replaying the change journal to the server."},
	{EventLogoffDone, "Finished processing user logoff: the server copy holds every change."},
	{EventHiveUploadStarted, "Background upload of the registry hive started."},
	{EventHiveUploadSucceeded, "Background upload of the registry hive succeeded."},
	{EventHiveUploadFailed, "Background upload of the registry hive failed; the next trigger or the logoff tries again."},
	{EventHiveMandatory, "The registry hive is not uploaded: the profile is read-only or mandatory."},
	{EventUploadFailed, "The roaming profile could not be completely updated; every change is kept in the journal for the next sync."},
	{EventCopyFailed, "A file could not be copied between the server copy and the cache."},
	{EventNewProfile, "The roaming copy of the profile was not found: a new profile was created, or the cached copy is used for this session."},
	{EventNotOwner, "The roaming profile folder belongs to neither the user nor an administrator; logon refused."},
	{EventConflict, "Both machines changed this path: the newer version won and the other was kept as a conflict copy."},
	{EventKeptServer, "A path deleted on this machine was changed elsewhere: the newer version was kept."},
	{EventReplayingJournal, "Unsynced changes of an earlier session were found and are merged into the server first."},
	{EventKeptLocal, "A file in the cache unknown to the server and to the last sync was kept and will be uploaded."},
	{EventCaseClash, "Names that differ only in case were left untouched."},
	{EventDiscarded, "The profile is read-only or mandatory: this session's changes were not uploaded."},
	{EventMassDelete, "The logoff was held: it would delete more of the server copy than MassDeletePercent allows."},
	{EventOverQuota, "The profile is over its size limit."},
	{EventSkippedEntry, "An entry of the server copy that cannot be part of a profile was skipped."},
}

// ServerMetaName is roamfs' own file in the server copy, never profile data.
const ServerMetaName = ".roamfs-profile.json"
