package syncer

import (
	"context"
	"fmt"
	"io"
	"path"
	"sync"

	"roamfs/store"
)

// downloadAll copies server files into the cache with a pool of workers and
// reports each version it placed to placed, one call at a time. Each worker
// takes a run of files of one folder and places them through that folder held
// open (see localDir). The files are pointers, not copies: a first logon of a
// large profile hands over every path of it, and copies of the steps (and a map
// of what was placed) were most of the logon's heap.
// With sparse set each file gets a placeholder instead (unfetched.go).
func (s *Syncer) downloadAll(ctx context.Context, files []*Step, sparse bool, placed func(*Step, Version)) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan []*Step)
	)
	// The caller started the progress (s.prog) with these files in it.
	record := func(st *Step, v Version, err error) {
		if !sparse {
			s.prog.step(st.Server.Size)
		} else {
			s.prog.step(0)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil && first == nil {
			first = err
		} else if err == nil {
			placed(st, v)
		}
	}
	for range s.cfg.Workers {
		wg.Go(func() {
			for run := range next {
				s.downloadRun(ctx, run, sparse, record)
			}
		})
	}
	for _, run := range folderRuns(files, downloadRunMax) {
		next <- run
	}
	close(next)
	wg.Wait()
	return first
}

// downloadRunMax bounds a run of one folder's files given to one worker, so a
// folder of many files is still copied in parallel.
const downloadRunMax = 64

// folderRuns splits files into runs of at most max files of one folder (on
// both sides: the server may spell it otherwise).
func folderRuns(files []*Step, max int) [][]*Step {
	byDir := map[[2]string][]*Step{}
	var order [][2]string
	for _, st := range files {
		d := [2]string{path.Dir(st.Path), path.Dir(st.ServerPath)}
		if _, ok := byDir[d]; !ok {
			order = append(order, d)
		}
		byDir[d] = append(byDir[d], st)
	}
	var runs [][]*Step
	for _, d := range order {
		for b := byDir[d]; len(b) > 0; {
			n := min(len(b), max)
			runs = append(runs, b[:n])
			b = b[n:]
		}
	}
	return runs
}

// downloadRun downloads files of one folder, reporting each to record. A
// server folder that cannot be held open leaves each file to be opened by its
// path, which then fails (or not) with its own error.
func (s *Syncer) downloadRun(ctx context.Context, run []*Step, sparse bool, record func(*Step, Version, error)) {
	dir, err := s.local.openDir(path.Dir(run[0].Path))
	if err != nil {
		for _, st := range run {
			record(st, st.Server, fmt.Errorf("download %s into cache: %w", st.Path, err))
		}
		return
	}
	defer dir.close()
	if sparse {
		for i, st := range run {
			err := dir.placeSparse(path.Base(st.Path), st.Server)
			if err != nil {
				err = fmt.Errorf("place %s in cache: %w", st.Path, err)
			}
			record(st, st.Server, err)
			run[i] = nil
		}
		return
	}
	srv, err := store.OpenFolder(ctx, s.cfg.Store, serverDir(run[0].ServerPath))
	if err != nil {
		srv = nil
	} else {
		defer srv.Close()
	}
	for i, st := range run {
		v, err := s.downloadInto(ctx, dir, srv, *st)
		record(st, v, err)
		run[i] = nil // see applyLogon
	}
}

// serverDir is the server folder holding p, "" for the root.
func serverDir(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return ""
}

func (s *Syncer) download(ctx context.Context, st Step, v Version) (Version, error) {
	st.Server = v
	if v.Kind != KindFile {
		return s.downloadInto(ctx, nil, nil, st)
	}
	dir, err := s.local.openDir(path.Dir(st.Path))
	if err != nil {
		return v, fmt.Errorf("download %s into cache: %w", st.Path, err)
	}
	defer dir.close()
	return s.downloadInto(ctx, dir, nil, st)
}

// downloadInto brings st.Server into the cache; a file goes into dir, the
// cache folder holding st.Path, read from srv, the server folder holding
// st.ServerPath, or by its path if srv is nil.
func (s *Syncer) downloadInto(ctx context.Context, dir *localDir, srv store.Folder, st Step) (Version, error) {
	p, v := st.Path, st.Server
	if v.Kind == KindSymlink {
		return v, s.local.symlink(p, v)
	}
	if v.Kind != KindFile {
		return v, nil
	}
	var r io.ReadCloser
	var info store.Info
	var err error
	if srv != nil {
		r, info, err = srv.Open(ctx, path.Base(st.ServerPath))
	} else {
		r, info, err = s.cfg.Store.Open(ctx, st.ServerPath)
	}
	if err != nil {
		return v, fmt.Errorf("download %s: %w", p, err)
	}
	defer r.Close()
	v = fromStoreInfo(info)
	if err := dir.place(path.Base(p), r, v); err != nil {
		return v, fmt.Errorf("download %s into cache: %w", p, err)
	}
	return v, nil
}
