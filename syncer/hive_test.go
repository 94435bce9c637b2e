package syncer

import (
	"math/rand/v2"
	"testing"
	"time"

	"roamfs/policy"
)

func TestNextHiveUpload(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	pol := func(f func(p *policy.Policy)) *policy.Policy {
		p := policy.Default()
		p.HiveUploadJitter = 0
		f(p)
		return p
	}
	cases := []struct {
		name string
		p    *policy.Policy
		want time.Time
	}{
		{"off by default", pol(func(p *policy.Policy) {}), time.Time{}},
		{"interval in hours", pol(func(p *policy.Policy) { p.UploadHiveMethod, p.UploadHiveInterval = 1, 12 }), now.Add(12 * time.Hour)},
		{"interval as a duration", pol(func(p *policy.Policy) { p.UploadHiveMethod, p.HiveUploadEvery = 1, 2*time.Second }), now.Add(2 * time.Second)},
		{"time of day later today", pol(func(p *policy.Policy) { p.UploadHiveMethod, p.UploadHiveTime = 2, 18 }), time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)},
		{"time of day passed: tomorrow", pol(func(p *policy.Policy) { p.UploadHiveMethod, p.UploadHiveTime = 2, 3 }), time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := NextHiveUpload(c.p, now, rng); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	p := pol(func(p *policy.Policy) { p.UploadHiveMethod, p.UploadHiveInterval, p.HiveUploadJitter = 1, 1, time.Hour })
	for range 100 {
		got := NextHiveUpload(p, now, rng)
		if got.Before(now.Add(time.Hour)) || !got.Before(now.Add(2*time.Hour)) {
			t.Fatalf("jittered trigger %v outside [1h, 2h)", got.Sub(now))
		}
	}
}
