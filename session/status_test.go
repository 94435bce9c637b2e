package session

import (
	"errors"
	"testing"
	"time"

	"roamfs/cachedir"
	"roamfs/syncer"
)

// TestStatusQuotaReuse: status measures the profile's size again only when
// something was journaled since, when the last measurement is older than
// quotaReuse times its cost, or when the last one failed.
func TestStatusQuotaReuse(t *testing.T) {
	const cost = 10 * time.Millisecond
	tests := []struct {
		name    string
		after   time.Duration // from the first measurement's end to the second status
		seq     uint64        // the journal's last record at the second status (1 at the first)
		failed  bool          // the first measurement failed
		measure bool          // the second status measures
	}{
		{"young, nothing journaled", cost, 1, false, false},
		{"just under the age", quotaReuse*cost - time.Millisecond, 1, false, false},
		{"at the age", quotaReuse * cost, 1, false, true},
		{"a change journaled", cost, 2, false, true},
		{"the first failed", cost, 1, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Unix(1000, 0)
			c := &statusQuota{now: func() time.Time { return clock }}
			size, measured := int64(0), 0
			measure := func() (syncer.QuotaReport, error) {
				measured++
				clock = clock.Add(cost)
				size += 4096
				if tc.failed && measured == 1 {
					return syncer.QuotaReport{}, errors.New("walk failed")
				}
				return syncer.QuotaReport{Size: size}, nil
			}
			var st cachedir.Status
			c.add(&st, measure, 1)
			clock = clock.Add(tc.after)
			st = cachedir.Status{}
			c.add(&st, measure, tc.seq)
			if got := measured == 2; got != tc.measure {
				t.Errorf("measured %d times; want a second measurement: %v", measured, tc.measure)
			}
			if st.ProfileSizeKB == nil || *st.ProfileSizeKB != int64(measured)*4 {
				t.Errorf("size %v KB; want %d KB, the last measurement's", st.ProfileSizeKB, measured*4)
			}
		})
	}
}
