package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"roamfs/internal/mountinfo"
)

// machine is what the report says about where it ran.
type machine struct {
	CPU, Kernel, Memory, TempFS, Go, Fio, Rsync, Commit string
	Cores                                               int
	LoadBefore, LoadAfter                               string
	ForeignFUSE                                         int // FUSE mounts of others when the run began: a sign of noise
}

func probeMachine(root, work, fio string) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	m.TempFS = fsOf(work)
	if fio != "" {
		m.Fio = cmdLine("", fio, "--version")
	}
	if f := strings.Fields(firstLine(cmdLine("", "rsync", "--version"))); len(f) >= 3 {
		m.Rsync = "rsync " + f[2]
	}
	m.Commit = cmdLine(root, "git", "rev-parse", "--short", "HEAD")
	if cmdLine(root, "git", "status", "--porcelain", "--untracked-files=no") != "" {
		m.Commit += " (with uncommitted changes)"
	}
	m.LoadBefore = loadAvg()
	for _, mp := range mountPoints() {
		if strings.HasPrefix(mp.FSType, "fuse") && !strings.HasPrefix(mp.Dir, work) {
			m.ForeignFUSE++
		}
	}
	return m
}

// fsOf names the file system holding dir: type and device of the mount with
// the longest prefix.
func fsOf(dir string) string {
	abs, _ := filepath.Abs(dir)
	best := mountinfo.Mount{}
	for _, mp := range mountPoints() {
		if (abs == mp.Dir || strings.HasPrefix(abs, strings.TrimSuffix(mp.Dir, "/")+"/")) && len(mp.Dir) >= len(best.Dir) {
			best = mp
		}
	}
	desc := best.FSType + " on " + best.Source + " (mounted at " + best.Dir + ")"
	if best.FSType == "ext4" && !ext4Journal(best.Source) {
		desc += ", without a journal (see bench/README.md: inode reuse and chattr +T)"
	}
	return desc
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cmdLine(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
