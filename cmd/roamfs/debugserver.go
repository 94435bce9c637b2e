package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/metrics"

	"go.uber.org/zap"

	"roamfs/event"
)

// debugEnv names the address of the daemon's profiling server, off unless
// set: ROAMFS_PPROF=127.0.0.1:6060 roamfs logon ... serves Go's pprof
// handlers (/debug/pprof/heap, /debug/pprof/profile, ...) and the
// collector's counters (/debug/roamfs/gc) for the session's whole life. It is
// how the daemon's memory and CPU are measured (make bench, make stress);
// nothing else listens on the network.
const debugEnv = "ROAMFS_PPROF"

// startDebugServer serves the profiling handlers when debugEnv is set.
func startDebugServer(log *zap.Logger) {
	addr := os.Getenv(debugEnv)
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("profiling server not started", zap.Int("event_id", event.SetupWarning), zap.String("addr", addr), zap.Error(err))
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/roamfs/gc", serveGCStats)
	log.Info("profiling server listening", zap.String("addr", ln.Addr().String()))
	go http.Serve(ln, mux)
}

// gcMetrics are the runtime's own counters of the collector's cost: its CPU
// time against the process's, how many cycles ran, and the heap it kept.
var gcMetrics = []string{
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/cpu/classes/user:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/live:bytes",
	"/gc/heap/goal:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/gomemlimit:bytes",
	"/gc/gogc:percent",
}

// serveGCStats writes one "name value" line per metric.
func serveGCStats(w http.ResponseWriter, _ *http.Request) {
	s := make([]metrics.Sample, len(gcMetrics))
	for i, n := range gcMetrics {
		s[i].Name = n
	}
	metrics.Read(s)
	for _, m := range s {
		switch m.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(w, "%s %d\n", m.Name, m.Value.Uint64())
		case metrics.KindFloat64:
			fmt.Fprintf(w, "%s %g\n", m.Name, m.Value.Float64())
		}
	}
}
