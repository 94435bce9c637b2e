package test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scRun plays one scenario: machines over one server, made at their first
// mention, and the transcript that goes into the golden.
type scRun struct {
	t *testing.T
	// server is what the machines log on to: a directory, or an smb://
	// address (TestScenariosOverSMB). serverDir holds the server's files on
	// this machine, which "== server", "expect server" and "server-write"
	// use: the same directory, or the share's backing directory.
	server    string
	serverDir string
	policy    []string // YAML lines, in order; a later line for a key replaces the earlier
	machines  map[string]*scMachine
	order     []string // machine names by first mention
	out       []string // transcript
}

type scMachine struct {
	*machine
	name string
	on   bool
}

// newSCRun plays over a server directory of its own.
func newSCRun(t *testing.T) *scRun {
	dir := newServer(t)
	return newSCRunOn(t, dir, dir)
}

// newSCRunOn plays over server (a --server address) whose files are in dir.
func newSCRunOn(t *testing.T, server, dir string) *scRun {
	return &scRun{t: t, server: server, serverDir: dir, machines: map[string]*scMachine{}}
}

func (r *scRun) machine(name string) *scMachine {
	if name == "server" {
		r.t.Fatalf("\"server\" is not a machine name")
	}
	m := r.machines[name]
	if m == nil {
		m = &scMachine{machine: newMachine(r.t, r.server), name: name}
		r.machines[name] = m
		r.order = append(r.order, name)
	}
	return m
}

// play runs the commands, logs every machine off, and returns the golden text.
func (r *scRun) play(name string, cmds []scCmd) string {
	cur := -1
	defer func() {
		if r.t.Failed() {
			at := "the end of the story"
			if cur >= 0 && cur < len(cmds) {
				at = fmt.Sprintf("line %d: %s", cmds[cur].line, cmds[cur].text)
			}
			r.t.Logf("transcript so far (the story was at %s):\n%s", at, strings.Join(r.out, "\n"))
		}
	}()
	for cur = range cmds {
		r.step(cmds[cur])
	}
	cur = len(cmds)
	for _, n := range r.order {
		if m := r.machines[n]; m.on {
			r.logoff(m, "logoff "+n+" (end of story)")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s.txt played; regenerate with: go test ./test/ -run 'TestScenarios/%s$' -update\n", name, name)
	b.WriteString("== transcript\n")
	for _, l := range r.out {
		b.WriteString(l + "\n")
	}
	r.section(&b, "== server", r.serverDir)
	for _, n := range r.order {
		r.section(&b, "== cache "+n, filepath.Join(r.machines[n].cache, "profile"))
	}
	return b.String()
}

func (r *scRun) section(b *strings.Builder, title, root string) {
	b.WriteString(title + "\n")
	for _, l := range r.listing(title, root) {
		b.WriteString(l + "\n")
	}
}

// listing is scListing with a word for an empty profile and a missing cache
// (DeleteRoamingCache).
func (r *scRun) listing(what, root string) []string {
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return []string{"(no cache)"}
	}
	lines, err := scListing(root)
	if err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
	if len(lines) == 0 {
		return []string{"(nothing but the default profile)"}
	}
	return lines
}

// at is where a command's PATH lives on machine m: its mount, so m must be
// logged on.
func (r *scRun) at(c scCmd, m *scMachine, rel string) string {
	r.t.Helper()
	if !m.on {
		r.t.Fatalf("line %d: %s: machine %s is not logged on", c.line, c.text, m.name)
	}
	return m.p(rel)
}

// root is what "expect"/"show" read for where: the server directory, a
// logged-on machine's mount, or a logged-off machine's cache.
func (r *scRun) root(where string) (string, string) {
	if where == "server" {
		return r.serverDir, "server"
	}
	m := r.machine(where)
	if m.on {
		return m.mnt, "mount " + where
	}
	return filepath.Join(m.cache, "profile"), "cache " + where
}

func (r *scRun) step(c scCmd) {
	t := r.t
	t.Helper()
	fail := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("line %d: %s: %v", c.line, c.text, err)
		}
	}
	line := c.text
	switch c.verb {
	case "policy":
		key, _, _ := strings.Cut(c.args[0], ":")
		kept := r.policy[:0]
		for _, l := range r.policy {
			if k, _, _ := strings.Cut(l, ":"); strings.TrimSpace(k) != strings.TrimSpace(key) {
				kept = append(kept, l)
			}
		}
		r.policy = append(kept, c.args[0])
	case "logon":
		m := r.machine(c.args[0])
		if m.on {
			fail(errors.New("already logged on"))
		}
		if len(r.policy) > 0 {
			m.setPolicy(strings.Join(r.policy, "\n") + "\n")
		}
		m.logon()
		m.on = true
		// A story is about the merge rules, not about how far the streamed
		// logon's background fill got: the "== cache" listing of a machine
		// logged off mid-fill would show placeholders (the server's size,
		// no data yet) or data depending on timing. Placeholders have their
		// own tests (streamed_test.go).
		m.waitFilled()
	case "logoff":
		r.logoff(r.machine(c.args[0]), line, c.flags...)
		return
	case "umount":
		r.umount(r.machine(c.args[0]), line)
		return
	case "sync":
		r.sync(r.machine(c.args[0]), line)
		return
	case "expect-fail logoff":
		r.expectFailLogoff(r.machine(c.args[0]), line)
		return
	case "write":
		m := r.machine(c.args[0])
		p := r.at(c, m, c.args[1])
		fail(os.MkdirAll(filepath.Dir(p), 0o755))
		fail(os.WriteFile(p, []byte(c.args[2]), 0o644))
		fail(scChtimes(p, c.at))
	case "mkdir":
		m := r.machine(c.args[0])
		fail(os.MkdirAll(r.at(c, m, c.args[1]), 0o755))
	case "rm":
		m := r.machine(c.args[0])
		p := r.at(c, m, c.args[1])
		if _, err := os.Lstat(p); err != nil {
			fail(err)
		}
		fail(os.RemoveAll(p))
	case "mv":
		m := r.machine(c.args[0])
		fail(os.Rename(r.at(c, m, c.args[1]), r.at(c, m, c.args[2])))
	case "touch":
		m := r.machine(c.args[0])
		p := r.at(c, m, c.args[1])
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			fail(os.WriteFile(p, nil, 0o644))
		}
		fail(scChtimes(p, c.at))
	case "server-write":
		p := filepath.Join(r.serverDir, filepath.FromSlash(c.args[0]))
		fail(os.MkdirAll(filepath.Dir(p), 0o755))
		fail(os.WriteFile(p, []byte(c.args[1]), 0o644))
		fail(scOwnLikeParent(r.serverDir, p))
		fail(scChtimes(p, c.at))
	case "expect":
		root, what := r.root(c.args[0])
		if err := scExpect(filepath.Join(root, filepath.FromSlash(c.args[1])), c.kw, c.args[2]); err != nil {
			t.Errorf("line %d: %s: %s: %v", c.line, c.text, what, err)
		}
	case "show":
		root, what := r.root(c.args[0])
		r.out = append(r.out, line, "   -- "+what)
		for _, l := range r.listing(what, root) {
			r.out = append(r.out, "   "+l)
		}
		return
	default:
		fail(fmt.Errorf("no such command"))
	}
	r.out = append(r.out, line)
}

// scOwnLikeParent gives p, and the folders between dir and p, the owner of
// dir's parent: a share's files belong to the account smbd serves it as,
// which could not change what root wrote into the share's directory. For a
// server directory, root owns everything and this changes nothing.
func scOwnLikeParent(dir, p string) error {
	fi, err := os.Stat(filepath.Dir(dir))
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	for q := p; ; q = filepath.Dir(q) {
		if err := os.Lchown(q, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
		if q == dir || len(q) <= len(dir) {
			return nil
		}
	}
}

func scChtimes(p string, at time.Time) error {
	if at.IsZero() {
		return nil
	}
	return os.Chtimes(p, at, at)
}
