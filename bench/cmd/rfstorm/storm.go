package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// sessionRun is one user's logon, changes and logoff in the storm.
type sessionRun struct {
	Logon, Logoff           float64 // seconds
	LogonCalls, LogoffCalls int64   // store calls
	Err                     string  `json:",omitempty"`
}

// stormResult is one scenario on one server.
type stormResult struct {
	Backend, About string
	Users, Files   int
	Changes        int
	Window         float64 // seconds over which the logons start
	Wall           float64 // first logon's start to last logoff's end
	SeedSecs       float64
	Sessions       []sessionRun
	Err            string `json:",omitempty"`
}

// storm seeds every user's profile, then starts their sessions spread evenly
// over the window, all against one server.
func storm(ctx context.Context, b *backend, work string, users, files, changes int, window time.Duration, seedWorkers int, logf func(string, ...any)) *stormResult {
	res := &stormResult{Backend: b.name, About: b.about, Users: users, Files: files, Changes: changes, Window: window.Seconds()}
	logf("%s: seeding %d profiles of %d files", b.name, users, files)
	start := time.Now()
	if err := parallel(users, seedWorkers, func(u int) error { return seed(ctx, b, work, u, files) }); err != nil {
		res.Err = err.Error()
		return res
	}
	res.SeedSecs = time.Since(start).Seconds()
	logf("%s: seeded in %.1fs; storm of %d sessions over %v", b.name, res.SeedSecs, users, window)
	res.Sessions = make([]sessionRun, users)
	var wg sync.WaitGroup
	start = time.Now()
	for u := 0; u < users; u++ {
		at := time.Duration(int64(window) * int64(u) / int64(users))
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(start.Add(at)))
			res.Sessions[u] = session(ctx, b, work, u, files, changes)
		}()
	}
	wg.Wait()
	res.Wall = time.Since(start).Seconds()
	return res
}

// session is one user's morning: logon into an empty cache (a pooled
// desktop: the whole profile comes down), a few files changed, logoff.
func session(ctx context.Context, b *backend, work string, user, files, changes int) sessionRun {
	var r sessionRun
	m, err := openMachine(ctx, b, work, user, true)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer m.close()
	t := time.Now()
	if _, err := m.sy.Logon(ctx); err != nil {
		r.Err = fmt.Sprintf("logon: %v", err)
		return r
	}
	r.Logon, r.LogonCalls = time.Since(t).Seconds(), m.calls.n.Load()
	rng := rand.New(rand.NewPCG(uint64(user), uint64(time.Now().UnixNano())))
	for i := 0; i < changes; i++ {
		var err error
		switch {
		case i == 0 && changes >= 3:
			err = m.write(fmt.Sprintf("Documents/new-%d.txt", time.Now().UnixNano()), content(rng, 2048))
		case i == 1 && changes >= 3:
			err = m.remove(profileFile(files - 1 - rng.IntN(files/2)))
		default:
			err = m.write(profileFile(rng.IntN(files/2)), content(rng, 1024+rng.IntN(8192)))
		}
		if err != nil {
			r.Err = fmt.Sprintf("change: %v", err)
			return r
		}
	}
	t = time.Now()
	res, err := m.sy.Logoff(ctx)
	r.Logoff, r.LogoffCalls = time.Since(t).Seconds(), m.calls.n.Load()-r.LogonCalls
	if err == nil && !res.OK {
		err = fmt.Errorf("not ok: %s", res.Error)
	}
	if err != nil {
		r.Err = fmt.Sprintf("logoff: %v", err)
	}
	return r
}

// parallel runs fn(0..n-1) on workers goroutines; the first error wins.
func parallel(n, workers int, fn func(int) error) error {
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for i := 0; i < n && err == nil; i++ {
		select {
		case next <- i:
		case err = <-errs:
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100).
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	k := int(p/100*float64(len(c)) + 0.999999)
	return c[min(max(k, 1), len(c))-1]
}
