package syncer

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"roamfs/event"

	"go.uber.org/zap"
)

// ConflictName is where the losing version of a conflict is kept:
// "NAME (conflict HOST YYYY-MM-DD HHMMSS).EXT", the time being the loser's
// mtime in UTC, so the name is the same whichever machine computes it.
func ConflictName(rel, host string, mtime time.Time) string {
	dir, base := path.Split(rel)
	ext := path.Ext(base)
	if ext == base { // ".profile": a dot file has no extension
		ext = ""
	}
	stem := strings.TrimSuffix(base, ext)
	host = strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(host)
	return dir + fmt.Sprintf("%s (conflict %s %s)%s", stem, host, mtime.UTC().Format("2006-01-02 150405"), ext)
}

var conflictRe = regexp.MustCompile(`^(.*) \(conflict (.+) (\d{4}-\d\d-\d\d \d{6})(?:-\d+)?\)(\.[^. ]*)?$`)

// NumberedConflictName is ConflictName's name with a number: the n-th copy
// of versions of one path that the same machine wrote within one second.
func NumberedConflictName(name string, n int) string { return numbered(name, n) }

func numbered(name string, n int) string {
	i := strings.LastIndex(name, ")")
	return fmt.Sprintf("%s-%d%s", name[:i], n, name[i:])
}

// conflictCopyName returns where to keep a losing version v of a path: its
// ConflictName, unless the server already holds another version there (two
// conflicts of one path within one second), then the first numbered name
// that is free or already holds v. done reports that v is already there (a
// replayed sync), so nothing need be written.
func (s *Syncer) conflictCopyName(ctx context.Context, name string, v Version) (cp string, done bool, err error) {
	for n := 1; n < 100; n++ {
		cp = name
		if n > 1 {
			cp = numbered(name, n)
		}
		cur, err := s.serverStat(ctx, cp)
		if err != nil {
			return "", false, err
		}
		if !cur.Present() {
			return cp, false, nil
		}
		if cur.Kind == KindFile && cur.Size == v.Size && cur.MTime.Equal(v.MTime) {
			return cp, true, nil
		}
	}
	return "", false, fmt.Errorf("conflict copy %s: 99 copies of this path in one second", name)
}

// ParseConflictName reads a conflict copy's name (ConflictName's): the
// original path, the machine whose version it keeps and that version's
// mtime. ok is false for any other name.
func ParseConflictName(rel string) (orig, host string, mtime time.Time, ok bool) {
	dir, base := path.Split(rel)
	m := conflictRe.FindStringSubmatch(base)
	if m == nil {
		return "", "", time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02 150405", m[3], time.UTC)
	if err != nil {
		return "", "", time.Time{}, false
	}
	return dir + m[1] + m[4], m[2], t, true
}

// resolveConflict carries out last-writer-wins for a path changed on both
// sides and returns the version the server holds afterwards, and the
// conflict as the sync reports it. The loser is kept as a conflict copy on
// the server (when the policy wants copies), from where the next logon of
// every machine brings it down: nothing is lost silently.
func (s *Syncer) resolveConflict(ctx context.Context, st Step) (Version, Conflict, error) {
	copies := s.cfg.Policy.ConflictCopies
	c := Conflict{Path: st.Path, Rule: st.Rule,
		Local:  ConflictVersion{Host: s.cfg.Host, MTime: st.Local.MTime, Size: st.Local.Size},
		Server: ConflictVersion{Host: s.serverHost(ctx), MTime: st.Server.MTime, Size: st.Server.Size}}
	defer func() {
		s.log.Warn("conflict: both machines changed this path; the "+c.Winner+" version won",
			zap.Int("event_id", event.Conflict), zap.String("path", c.Path), zap.String("rule", c.Rule),
			zap.String("copy", c.Copy), zap.String("winner", c.Winner),
			zap.String("local_host", c.Local.Host), zap.Time("local_mtime", c.Local.MTime),
			zap.String("server_host", c.Server.Host), zap.Time("server_mtime", c.Server.MTime))
	}()
	if st.Action == ActConflictLocal {
		c.Winner = "local"
		if copies && st.Server.Kind == KindFile {
			cp, done, err := s.conflictCopyName(ctx, ConflictName(st.ServerPath, c.Server.Host, st.Server.MTime), st.Server)
			if err == nil && !done {
				err = s.copyOnServer(ctx, st.ServerPath, cp)
			}
			if err != nil {
				return Version{}, c, err
			}
			c.Copy = cp
		}
		v, err := s.upload(ctx, st.Path, st.ServerPath, st.Server)
		return v, c, err
	}
	c.Winner = "server"
	if copies && st.Local.Kind == KindFile {
		cp, done, err := s.conflictCopyName(ctx, ConflictName(st.ServerPath, s.cfg.Host, st.Local.MTime), st.Local)
		if err == nil && !done {
			_, err = s.upload(ctx, st.Path, cp, Version{})
		}
		if err != nil {
			return Version{}, c, err
		}
		c.Copy = cp
	}
	// The cache takes the winner now, so cache, base and server agree: a
	// later deletion elsewhere then reaches this cache instead of the loser
	// coming back from it.
	if st.Server.Kind == KindFile || st.Server.Kind == KindSymlink {
		if v, err := s.download(ctx, st, st.Server); err == nil {
			return v, c, nil
		} else {
			s.log.Error("could not bring the winning version into the cache; the next logon does", zap.Int("event_id", event.CopyFailed), zap.String("path", st.Path), zap.Error(err))
		}
	}
	return st.Server, c, nil
}

func (s *Syncer) copyOnServer(ctx context.Context, src, dst string) error {
	r, info, err := s.cfg.Store.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("read %s on server: %w", src, err)
	}
	defer r.Close()
	// Only if dst is still free (or as this syncer found it): another
	// machine may have kept its own loser under the same name meanwhile.
	if err := s.putUnchanged(ctx, dst, r, info.Size, info.Mode, info.MTime); err != nil {
		return fmt.Errorf("keep conflict copy %s: %w", dst, err)
	}
	return nil
}

// serverHost names the machine that last wrote the server copy, as its
// metadata says, for the name of a conflict copy of the server's version.
func (s *Syncer) serverHost(ctx context.Context) string {
	if m, err := s.ReadServerMeta(ctx); err == nil && m.Host != "" {
		return m.Host
	}
	return "server"
}
