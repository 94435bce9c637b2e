package syncer

// Event ids follow the User Profile Service's where the meaning matches, so an
// administrator's searches for them still find roamfs' log lines.
const (
	EventLogonStart       = 1
	EventLogonDone        = 2
	EventLogoffStart      = 3
	EventLogoffDone       = 4
	EventNewProfile       = 1521 // Windows: no roaming profile found: a new one is created
	EventCopyFailed       = 1509 // Windows: cannot copy file
	EventUploadFailed     = 1504 // Windows: cannot update the roaming profile
	EventConflict         = 1530 // roamfs: conflict, both machines changed a path
	EventKeptServer       = 1531 // roamfs: a newer write beat our delete
	EventReplayingJournal = 1532 // roamfs: unsynced changes of an earlier session found at logon
	EventKeptLocal        = 1533 // roamfs: a cache file unknown to server and base kept and journaled
	EventCaseClash        = 1534 // roamfs: names differing only in case: left untouched
	EventDiscarded        = 1535 // roamfs: read-only or mandatory profile: changes not uploaded
	EventMassDelete       = 1536 // roamfs: logoff held, it would delete too much of the server
	EventOverQuota        = 1537 // roamfs: the profile is over its size limit
	EventNotOwner         = 1526 // Windows: the server folder belongs to someone else
	EventSkippedEntry     = 1538 // roamfs: a server entry that cannot be part of a profile was skipped
)

// ServerMetaName is roamfs' own file in the server copy, never profile data.
const ServerMetaName = ".roamfs-profile.json"
