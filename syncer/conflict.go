package syncer

import (
	"context"
	"fmt"
	"path"
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

// resolveConflict carries out last-writer-wins for a path changed on both
// sides and returns the version the server holds afterwards. The loser is kept
// as a conflict copy on the server (when the policy wants copies), from where
// the next logon of every machine brings it down: nothing is lost silently.
func (s *Syncer) resolveConflict(ctx context.Context, st Step) (Version, error) {
	copies := s.cfg.Policy.ConflictCopies
	log := s.log.With(zap.Int("event_id", event.Conflict), zap.String("path", st.Path), zap.String("rule", st.Rule))
	if st.Action == ActConflictLocal {
		if copies && st.Server.Kind == KindFile {
			cp := ConflictName(st.ServerPath, s.serverHost(ctx), st.Server.MTime)
			if err := s.copyOnServer(ctx, st.ServerPath, cp); err != nil {
				return Version{}, err
			}
			log = log.With(zap.String("copy", cp))
		}
		v, err := s.upload(ctx, st.Path, st.ServerPath, st.Server)
		log.Warn("conflict: both machines changed this path; this machine's newer version is on the server")
		return v, err
	}
	if copies && st.Local.Kind == KindFile {
		cp := ConflictName(st.ServerPath, s.cfg.Host, st.Local.MTime)
		if _, err := s.upload(ctx, st.Path, cp, Version{}); err != nil {
			return Version{}, err
		}
		log = log.With(zap.String("copy", cp))
	}
	log.Warn("conflict: both machines changed this path; the server's version stays")
	// The cache takes the winner now, so cache, base and server agree: a
	// later deletion elsewhere then reaches this cache instead of the loser
	// coming back from it.
	if st.Server.Kind == KindFile || st.Server.Kind == KindSymlink {
		if v, err := s.download(ctx, st, st.Server); err == nil {
			return v, nil
		} else {
			log.Warn("could not bring the winning version into the cache; the next logon does", zap.Error(err))
		}
	}
	return st.Server, nil
}

func (s *Syncer) copyOnServer(ctx context.Context, src, dst string) error {
	r, info, err := s.cfg.Store.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("read %s on server: %w", src, err)
	}
	defer r.Close()
	if err := s.cfg.Store.Put(ctx, dst, r, info.Mode, info.MTime); err != nil {
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
