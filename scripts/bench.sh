#!/usr/bin/env bash
# make bench: roamfs against a native directory and go-fuse's plain loopback,
# and its logon/logoff against rsync and cp (issue 8). Arguments go to rfbench:
#   scripts/bench.sh            the full run (about 14 minutes on 2 cores)
#   scripts/bench.sh -quick     the CI smoke run (under 2 minutes)
#   scripts/bench.sh -h         every flag
# The markdown table goes to stdout and to bench/results/, the raw samples as
# JSON beside it. Root is needed: direct FUSE mounts, passthrough, drop_caches.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "bench: run as root (direct FUSE mounts, FUSE passthrough, /proc/sys/vm/drop_caches)" >&2
  exit 2
fi
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
[ -e /dev/fuse ] || { echo "bench: /dev/fuse is missing" >&2; exit 1; }
# The baselines and what the sections start, installed as .ci/run installs
# the test's (a fresh machine has no rsync): rsync for the logon/logoff
# baselines, e2fsprogs (mkfs.ext4) and mount (losetup) for the scratch file
# system, samba and smbclient for the SMB section, fio for random I/O.
missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || missing+=(mount)
command -v smbd >/dev/null 2>&1 || missing+=(samba)
command -v smbclient >/dev/null 2>&1 || missing+=(smbclient)
command -v fio >/dev/null 2>&1 || missing+=(fio)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq || true
    for pkg in "${missing[@]}"; do # one by one: a mirror lacking fio must not cost rsync
      apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null || echo "bench: could not install $pkg" >&2
    done
  fi
fi
command -v rsync >/dev/null || { echo "bench: rsync is needed (apt-get install rsync)" >&2; exit 1; }
command -v fio >/dev/null || echo "bench: fio not found: random I/O falls back to the Go implementation (apt-get install fio)" >&2
GO=${GO:-go}
$GO build -o bin/rfbench ./bench/cmd/rfbench
# exec: signals reach rfbench itself, which takes its mounts down before it exits.
exec bin/rfbench "$@"
