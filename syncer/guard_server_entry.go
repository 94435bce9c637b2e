package syncer

import (
	"fmt"
	"path"
	"strings"

	"roamfs/internal/winname"
	"roamfs/store"
)

// sparseLimit: a file this large that occupies less than half its size on the
// server is a sparse file, which would balloon into the cache at full size.
const sparseLimit = 64 << 20

// refuseServerEntry says why an entry of the server copy is not brought into
// the cache, or "". Skipping it never deletes it: a path this machine does not
// hold is never touched by its logoff.
func (s *Syncer) refuseServerEntry(i store.Info) string {
	if s.cfg.Policy.CaseInsensitive {
		if why := winname.Problem(path.Base(i.Path)); why != "" {
			return "a name Windows does not allow: " + why
		}
	}
	switch {
	case i.Kind == store.KindOther:
		return "not a file, folder or symlink"
	case i.Kind == store.KindSymlink && escapes(i.Path, i.Target):
		return "a symlink pointing outside the profile (" + i.Target + ")"
	case i.Kind == store.KindFile && i.Size > sparseLimit && i.Allocated >= 0 && i.Allocated < i.Size/2:
		return fmt.Sprintf("sparse file (%d bytes, %d allocated)", i.Size, i.Allocated)
	}
	return ""
}

// escapes reports whether a symlink at p with target leads outside the
// profile: absolute, or climbing above the root with "..".
func escapes(p, target string) bool {
	if path.IsAbs(target) || strings.HasPrefix(target, "\\") || (len(target) > 1 && target[1] == ':') {
		return true
	}
	j := path.Join(path.Dir(p), target)
	return j == ".." || strings.HasPrefix(j, "../")
}
