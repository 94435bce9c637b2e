// Command rfstorm is the morning logon storm of issue 17, item 4: N
// simulated users each log on (into an empty cache), change a few files and
// log off, their logons spread evenly over a window, all against one server:
// one private versitygw (S3) and one directory store, in turn. It prints p50
// and p99 logon and logoff times, store calls per logon and logoff, store
// calls per second over the storm, and errors, as markdown.
//
// Each user's machine is driven through the syncer's API (logon merge,
// journaled changes, logoff replay), not through FUSE mounts: see user.go.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type scenario struct{ users, files int }

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("rfstorm", flag.ContinueOnError)
	scen := fs.String("scenarios", "100:200,1000:20", "USERS:FILES_PER_PROFILE, comma-separated")
	changes := fs.Int("changes", 5, "files each user changes per session (one new, one deleted, the rest rewritten)")
	rate := fs.Float64("rate", 10, "logons started per second (the window is users / rate)")
	backends := fs.String("servers", "s3,dir", "servers to storm, comma-separated: s3, dir")
	seedWorkers := fs.Int("seed-workers", 8, "parallel sessions that create the profiles before the storm")
	parent := fs.String("dir", os.TempDir(), "where the work directory goes")
	out := fs.String("out", "", "also write the report here (the JSON goes beside it)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var scens []scenario
	for _, s := range strings.Split(*scen, ",") {
		u, f, ok := strings.Cut(strings.TrimSpace(s), ":")
		nu, err1 := strconv.Atoi(u)
		nf, err2 := strconv.Atoi(f)
		if !ok || err1 != nil || err2 != nil || nu < 1 || nf < 4 {
			fmt.Fprintf(os.Stderr, "rfstorm: -scenarios: %q is not USERS:FILES (files ≥ 4)\n", s)
			return 2
		}
		scens = append(scens, scenario{nu, nf})
	}
	work, err := os.MkdirTemp(*parent, "rfstorm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "rfstorm:", err)
		return 1
	}
	defer os.RemoveAll(work)
	began := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "rfstorm %6.1fs  %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var results []*stormResult
	failed := false
	for _, sc := range scens {
		for _, name := range strings.Split(*backends, ",") {
			if ctx.Err() != nil {
				break
			}
			dir := filepath.Join(work, fmt.Sprintf("%s-%d", name, sc.users))
			var b *backend
			switch strings.TrimSpace(name) {
			case "s3":
				b, err = s3Backend(ctx, dir)
			case "dir":
				b, err = dirBackend(dir)
			default:
				err = fmt.Errorf("-servers: unknown server %q", name)
			}
			if err != nil {
				logf("error: %v", err)
				failed = true
				continue
			}
			window := time.Duration(float64(sc.users) / *rate * float64(time.Second))
			res := storm(ctx, b, dir, sc.users, sc.files, *changes, window, *seedWorkers, logf)
			b.stop()
			os.RemoveAll(dir)
			results = append(results, res)
			failed = failed || res.Err != "" || res.errors() > 0
		}
	}
	report := render(results, began)
	fmt.Print(report)
	if *out != "" {
		raw, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
			logf("error: %v", err)
		}
		os.WriteFile(strings.TrimSuffix(*out, filepath.Ext(*out))+".json", raw, 0o644)
	}
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}
