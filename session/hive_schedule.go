package session

import (
	"math/rand/v2"
	"time"

	"roamfs/policy"
)

// NextHiveUpload is when the background hive upload next runs after now, or
// the zero time when the policy turns it off (UploadHiveMethod 0, Windows'
// default). Windows adds a random delay of up to an hour to every trigger so
// that a building's machines do not all upload at once; HiveUploadJitter
// bounds it here. HiveUploadEvery (a roamfs setting) overrides the hours.
func NextHiveUpload(p *policy.Policy, now time.Time, rng *rand.Rand) time.Time {
	var next time.Time
	switch {
	case p.UploadHiveMethod == 1 && p.HiveUploadEvery > 0:
		next = now.Add(p.HiveUploadEvery)
	case p.UploadHiveMethod == 1:
		next = now.Add(time.Duration(p.UploadHiveInterval) * time.Hour)
	case p.UploadHiveMethod == 2:
		next = time.Date(now.Year(), now.Month(), now.Day(), p.UploadHiveTime, 0, 0, 0, now.Location())
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
	default:
		return time.Time{}
	}
	if p.HiveUploadJitter > 0 {
		next = next.Add(time.Duration(rng.Int64N(int64(p.HiveUploadJitter))))
	}
	return next
}
