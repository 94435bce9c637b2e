// Package policy is roamfs' configuration: the Windows Group Policy values that
// steer roaming profiles (same names, so an administrator's knowledge carries
// over), a few roamfs-only keys in the same style, their defaults, and the
// parser for the YAML policy file given with --policy on Linux.
//
// A *Policy is read-only once built: Nonroaming and IsHive are called from
// every FUSE operation, concurrently, without locks.
package policy

import "time"

// MergeMode selects how logoff reconciles the cache with the server copy.
type MergeMode string

const (
	// MergeModeMerge replays the journal with the three-way merge rules:
	// only paths this machine changed are touched on the server.
	MergeModeMerge MergeMode = "merge"
	// MergeModeMirror reproduces Windows NT 4.0's Xcopy logoff: the server
	// becomes an exact copy of the cache (and loses other machines' writes).
	MergeModeMirror MergeMode = "mirror"
)

// DefaultProfileQuotaMessage is the text Windows shows when logoff is refused
// because the profile is over its size limit.
const DefaultProfileQuotaMessage = "You have exceeded your profile storage space. " +
	"Before you can log off, you need to move some items from your profile to network or local storage."

// Policy is one machine's settings. Field names are the policy keys; the
// comments give the Windows meaning. Build one with Default, Load or Parse:
// the zero value lacks the defaults.
type Policy struct {
	ExcludeProfileDirs    string // extra nonroaming folders, ';'-separated ("Exclude directories in roaming profile")
	EnableProfileQuota    bool   // "Limit profile size"
	MaxProfileSize        int64  // KB, 300..30000000
	IncludeRegInProQuota  bool   // count the hive towards the quota
	WarnUser              bool   // warn during the session when over the limit
	WarnUserTimeout       int    // minutes between warnings, 0..1440
	ProfileQuotaMessage   string // shown when logoff is refused
	DeleteRoamingCache    bool   // delete the cache after a successful logoff
	ReadOnlyProfile       bool   // never write to the server
	CompatibleRUPSecurity bool   // skip the ownership check of the server folder
	UploadHiveMethod      int    // 0 off, 1 interval, 2 time of day
	UploadHiveInterval    int    // hours, 1..720
	UploadHiveTime        int    // hour of day, 0..23
	MachineProfilePath    string // server path for all users of this machine, %USERNAME% expanded by the caller

	HiveUploadEvery   time.Duration // roamfs: hive interval as a duration; 0 = unset, use UploadHiveInterval
	HiveUploadJitter  time.Duration // roamfs: bound of the random delay added to each hive upload trigger
	HiveFiles         []string      // roamfs: files at the profile root carried on the hive stream
	MergeMode         MergeMode     // roamfs: merge or mirror
	ConflictCopies    bool          // roamfs: keep the loser of a conflict as a copy
	CaseInsensitive   bool          // roamfs: Windows name identity (Desktop == desktop)
	MassDeletePercent int           // roamfs: hold a logoff deleting more than this share of the server's files, 1..100
	// NPLogonTimeout is how long, in seconds (0..600), Windows' logon waits
	// for the service to prepare the profile when the network provider asks
	// (roamfsnp.dll's NPLogonNotify); past it the logon goes on and the
	// service finishes in the background. 0: ask, do not wait.
	NPLogonTimeout int

	PSEnabled         bool          // streamed logon (Citrix "Enable profile streaming"): mount before the data is local, fetch on first open
	PSAlwaysCache     bool          // with PSEnabled: fill the rest of the cache in the background ("Always cache")
	PSAlwaysCacheSize int64         // MB: with PSAlwaysCache, fill only files at least this large; 0 = all
	PSFetchTimeout    time.Duration // roamfs: how long an open waits for a file's data before it fails with EIO

	// Live profile (Citrix "Active write back"): while the session runs, the
	// daemon writes its changes back and merges the other machines' at an
	// interval, the hive only with PSMidSessionWriteBackReg.
	PSMidSessionWriteBack         bool
	PSMidSessionWriteBackInterval time.Duration
	PSMidSessionWriteBackReg      bool

	// set has bit i on when keys[i] was given in the policy file.
	set uint32
	// excl is ExcludeProfileDirs compiled for Nonroaming; exclFrom is the
	// string it was compiled from, so a caller that edits the exported field
	// afterwards still gets correct (if slower) answers.
	excl     [][]string
	exclFrom string
}

// Default returns the settings Windows (and roamfs) use when no policy is set.
func Default() *Policy {
	return &Policy{
		MaxProfileSize:      30000,
		WarnUserTimeout:     15,
		ProfileQuotaMessage: DefaultProfileQuotaMessage,
		UploadHiveInterval:  12,
		HiveUploadJitter:    60 * time.Minute,
		HiveFiles:           []string{"NTUSER.DAT"},
		MergeMode:           MergeModeMerge,
		ConflictCopies:      true,
		CaseInsensitive:     true,
		MassDeletePercent:   50,
		PSEnabled:           true,
		PSAlwaysCache:       true,
		PSFetchTimeout:      5 * time.Second,
		NPLogonTimeout:      60,

		PSMidSessionWriteBack:         true,
		PSMidSessionWriteBackInterval: 5 * time.Minute,
	}
}

// IsSet reports whether key (case-sensitive, as in the policy file) was set
// explicitly rather than left at its default.
func (p *Policy) IsSet(key string) bool {
	i, ok := keyIndex[key]
	return ok && p.set&(1<<i) != 0
}

// Setting is one key as shown to people (roamfs status, logs).
type Setting struct {
	Key   string
	Value string
	// Set is true when the key was given in the policy file or the value
	// otherwise differs from the default.
	Set bool
}

// Settings returns every key in the order of the design's policy table.
// Values are what an administrator would write in the policy file: true/false,
// decimal integers (units as in the table), durations like 90m, lists as
// [NTUSER.DAT, UsrClass.dat], strings as they are; "" for an unset duration.
func (p *Policy) Settings() []Setting {
	def := Default()
	out := make([]Setting, len(keys))
	for i, k := range keys {
		v := k.format(p)
		out[i] = Setting{Key: k.name, Value: v, Set: p.set&(1<<i) != 0 || v != k.format(def)}
	}
	return out
}
