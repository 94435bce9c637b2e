package main

// Issue 8, item 1: the data path. Sequential write and cold read of one large
// file, then random 4 KiB reads and writes on a warm file, on each target.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// dataRun is one target's figures in one run.
type dataRun struct {
	SeqWrite, SeqRead   float64 // MiB/s
	RandRead, RandWrite float64 // IOPS
	DaemonBytes         int64   // bytes the daemon moved itself during the sequential pair
	SeqBytes            int64
	// FUSE requests the daemon answered per random read and per random write
	// (0 with passthrough and nothing else asked; 1 when every write costs a
	// round trip, e.g. the security.capability GETXATTR).
	ReadReqs, WriteReqs float64
}

type dataResult struct {
	Targets []string
	Runs    map[string][]dataRun // target → one per run
	Tool    string               // what drove the random I/O
	Err     string               `json:",omitempty"`
}

func (h *harness) benchData(ctx context.Context) *dataResult {
	res := &dataResult{Targets: h.targets(), Runs: map[string][]dataRun{}, Tool: "Go (pread/pwrite)"}
	if h.fio != "" {
		res.Tool = h.fioVersion
	}
	for run := 0; run < h.cfg.runs; run++ {
		for _, t := range rotate(res.Targets, run) {
			h.logf("data: run %d/%d on %s", run+1, h.cfg.runs, t)
			r, err := h.dataOnce(ctx, t, fmt.Sprintf("data%d", run))
			if err != nil {
				res.Err = err.Error()
				return res
			}
			res.Runs[t] = append(res.Runs[t], r)
		}
	}
	return res
}

func (h *harness) dataOnce(ctx context.Context, t, tag string) (r dataRun, err error) {
	e, err := h.prepare(ctx, t, tag)
	if err != nil {
		return r, err
	}
	defer func() {
		if _, terr := h.teardown(e); err == nil {
			err = terr
		}
	}()
	seq := filepath.Join(e.dir, "rfbench-seq.dat")
	io0, _ := procIO(e.pid)
	r.SeqBytes = h.cfg.seqBytes
	if r.SeqWrite, err = seqWrite(seq, h.cfg.seqBytes); err != nil {
		return r, fmt.Errorf("%s: sequential write: %w", t, err)
	}
	if err = h.dropCaches(); err != nil {
		return r, err
	}
	if r.SeqRead, err = seqRead(seq); err != nil {
		return r, fmt.Errorf("%s: sequential read: %w", t, err)
	}
	if e.pid > 0 {
		io1, _ := procIO(e.pid)
		r.DaemonBytes = io1.sub(io0).Bytes
	}
	if err = os.Remove(seq); err != nil {
		return r, err
	}
	rnd := filepath.Join(e.dir, "rfbench-rand.dat")
	if _, err = seqWrite(rnd, h.cfg.randSize); err != nil {
		return r, fmt.Errorf("%s: lay out the random-I/O file: %w", t, err)
	}
	io2, _ := procIO(e.pid)
	rr, err := h.randIO(ctx, rnd, false)
	if err != nil {
		return r, fmt.Errorf("%s: random read: %w", t, err)
	}
	io3, _ := procIO(e.pid)
	rw, err := h.randIO(ctx, rnd, true)
	if err != nil {
		return r, fmt.Errorf("%s: random write: %w", t, err)
	}
	io4, _ := procIO(e.pid)
	r.RandRead, r.RandWrite = rr.iops, rw.iops
	r.ReadReqs = float64(io3.sub(io2).Writes) / rr.ops
	r.WriteReqs = float64(io4.sub(io3).Writes) / rw.ops
	return r, os.Remove(rnd)
}

const seqBlock = 1 << 20

// seqWrite creates path, writes size bytes in 1 MiB writes, fsyncs and closes
// it — what saving a large file does — and returns MiB/s over all of it.
func seqWrite(path string, size int64) (float64, error) {
	buf := randomBlock(seqBlock, 1)
	start := time.Now()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	for done := int64(0); done < size; done += seqBlock {
		n := min(int64(len(buf)), size-done)
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return 0, err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return mibps(size, time.Since(start)), nil
}

// seqRead reads path whole in 1 MiB reads.
func seqRead(path string) (float64, error) {
	buf := make([]byte, seqBlock)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	for {
		n, err := f.Read(buf)
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	return mibps(total, time.Since(start)), nil
}

func mibps(bytes int64, d time.Duration) float64 {
	return float64(bytes) / (1 << 20) / d.Seconds()
}

func randomBlock(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'r', 'f', 'b'})
	r.Read(b)
	return b
}

type randResult struct{ iops, ops float64 }

// randIO runs single-threaded 4 KiB random reads or writes on path (page
// cache warm: the file was just written) for the configured time and returns
// IOPS and the operation count. fio when it is there, the same loop in Go
// when not.
func (h *harness) randIO(ctx context.Context, path string, write bool) (randResult, error) {
	if h.fio != "" {
		return h.fioRand(ctx, path, write)
	}
	return goRand(path, write, h.cfg.randRuntime)
}

func (h *harness) fioRand(ctx context.Context, path string, write bool) (randResult, error) {
	rw := "randread"
	if write {
		rw = "randwrite"
	}
	secs := max(1, int(h.cfg.randRuntime.Seconds()))
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs+120)*time.Second)
	defer cancel()
	args := []string{
		"--name=" + rw, "--filename=" + path, "--rw=" + rw, "--bs=4k",
		fmt.Sprintf("--size=%d", h.cfg.randSize), "--ioengine=psync", "--direct=0",
		// invalidate=0: keep the page cache as the layout left it, the same
		// warm start on every target (fio would otherwise fadvise it away).
		"--invalidate=0", "--randrepeat=1", "--time_based", fmt.Sprintf("--runtime=%d", secs),
		"--output-format=json",
	}
	out, err := exec.CommandContext(ctx, h.fio, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return randResult{}, fmt.Errorf("fio: %v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return randResult{}, fmt.Errorf("fio: %w", err)
	}
	return parseFio(out, write)
}

// parseFio reads the IOPS and I/O count of fio's first job from its JSON
// output, which may be preceded by warnings.
func parseFio(out []byte, write bool) (randResult, error) {
	var r randResult
	i := strings.IndexByte(string(out), '{')
	if i < 0 {
		return r, fmt.Errorf("fio printed no JSON: %q", out)
	}
	type dir struct {
		IOPS  float64 `json:"iops"`
		TotIO float64 `json:"total_ios"`
	}
	var v struct {
		Jobs []struct {
			Error int `json:"error"`
			Read  dir `json:"read"`
			Write dir `json:"write"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(out[i:], &v); err != nil {
		return r, fmt.Errorf("fio JSON: %w", err)
	}
	if len(v.Jobs) == 0 {
		return r, fmt.Errorf("fio JSON has no jobs")
	}
	j := v.Jobs[0]
	if j.Error != 0 {
		return r, fmt.Errorf("fio job failed with errno %d", j.Error)
	}
	d := j.Read
	if write {
		d = j.Write
	}
	if d.TotIO <= 0 {
		return r, fmt.Errorf("fio JSON: no I/O done")
	}
	return randResult{iops: d.IOPS, ops: d.TotIO}, nil
}

// goRand is the fallback for a machine without fio: psync-style pread or
// pwrite of 4 KiB at uniformly random aligned offsets, one thread.
func goRand(path string, write bool, d time.Duration) (randResult, error) {
	var r randResult
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return r, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return r, err
	}
	blocks := st.Size() / 4096
	if blocks == 0 {
		return r, fmt.Errorf("%s is smaller than one block", path)
	}
	buf := randomBlock(4096, 2)
	rng := rand.New(rand.NewPCG(1, 2))
	fd := int(f.Fd())
	var ops int64
	start := time.Now()
	deadline := start.Add(d)
	for ; ops%256 != 0 || time.Now().Before(deadline); ops++ {
		off := rng.Int64N(blocks) * 4096
		if write {
			_, err = unix.Pwrite(fd, buf, off)
		} else {
			_, err = unix.Pread(fd, buf, off)
		}
		if err != nil {
			return r, err
		}
	}
	return randResult{iops: float64(ops) / time.Since(start).Seconds(), ops: float64(ops)}, nil
}
