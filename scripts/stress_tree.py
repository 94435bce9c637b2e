#!/usr/bin/env python3
"""List a profile tree for scripts/stress.sh: one line per path with its kind,
permissions, size, SHA-256 and mtime (files), or link target (symlinks), in
path order. Left out, as roamfs leaves them out of the sync: the nonroaming
folders (AppData/Local, AppData/LocalLow, $Recycle.Bin, a top-level Temp,
Temporary Internet Files anywhere; the default policy) and roamfs' own files
(.roamfs-profile.json, the profile index .roamfs-index, .roamfs-tmp-*, hive upload
temporaries)."""
import hashlib, os, re, stat, sys

root = sys.argv[1]
NONROAMING = [("appdata", "local"), ("appdata", "locallow"), ("$recycle.bin",)]
HIVE_TMP = re.compile(r"(?i)^.+\.\{[0-9a-f-]{36}\}\.tmp$")


def skipped(rel):
    parts = rel.split("/")
    low = [p.lower() for p in parts]
    if rel in (".roamfs-profile.json", ".roamfs-index") or parts[-1].startswith(".roamfs-tmp-") or HIVE_TMP.match(parts[-1]):
        return True
    if low[0] == "temp" or "temporary internet files" in low:
        return True
    return any(tuple(low[:len(f)]) == f for f in NONROAMING)


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


out = []
for d, dirs, files in os.walk(root):
    for name in dirs + files:
        p = os.path.join(d, name)
        rel = os.path.relpath(p, root)
        if skipped(rel):
            if name in dirs:
                dirs.remove(name)
            continue
        st = os.lstat(p)
        perm = "%04o" % stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            out.append("%s symlink -> %s" % (rel, os.readlink(p)))
        elif stat.S_ISDIR(st.st_mode):
            out.append("%s dir %s" % (rel, perm))
        elif stat.S_ISREG(st.st_mode):
            out.append("%s file %s %d %s %d" % (rel, perm, st.st_size, sha(p), st.st_mtime_ns))
        else:
            out.append("%s other %s" % (rel, perm))
for line in sorted(out):
    print(line)
