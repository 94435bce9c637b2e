#!/usr/bin/env bash
# make stress: the reliability run of issue 12 (root; about 10 minutes).
#
#  1. Log a profile on with the built binary (server copy, cache and mount
#     point in a temporary directory) and run Debian's stress-ng filesystem
#     stressors, each with --verify, one after another inside Documents.
#  2. Run the project's own random-operation differential test at scale:
#     STRESS_DIFF_PROCS processes at once (each its own roamfs session, which
#     checks operation by operation that the mount behaves like a plain
#     directory, and at each of its logoffs that the server holds what the
#     mount held), STRESS_DIFF_OPS operations in all.
#  3. List the stress profile's mount (paths, kinds, permissions, sizes,
#     SHA-256, file mtimes; nonroaming folders and roamfs' own files left
#     out), log off, list the server copy the same way and require the two to
#     be equal. Print the logoff time, the journal's record count and the
#     daemon's peak RSS.
#
# Knobs (environment): STRESS_TIMEOUT (per stressor, default 8s),
# STRESS_STRESSORS (space-separated names, default the list below),
# STRESS_DIFF_OPS (default 100000), STRESS_DIFF_PROCS (default 4),
# STRESS_KEEP=1 keeps the temporary directory, STRESS_PPROF=127.0.0.1:6060
# serves the stress profile's daemon's pprof there (see cmd/roamfs
# debugserver.go), STRESS_WRITEBACK=1 keeps the mid-session write-back rounds
# on (off by default: the logoff then carries the whole session's journal,
# the worst case issue 12 measures; with rounds on most records are synced
# during the session). stress-ng is installed with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "$(id -u)" != 0 ]; then
  echo "stress: run as root (FUSE mounts, the e2e test's daemons)" >&2
  exit 2
fi
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
[ -e /dev/fuse ] || { echo "stress: /dev/fuse is missing" >&2; exit 1; }
if ! command -v stress-ng >/dev/null; then
  echo "stress: installing stress-ng" >&2
  apt-get install -y stress-ng >/dev/null || { apt-get update >/dev/null && apt-get install -y stress-ng >/dev/null; }
fi

TIMEOUT=${STRESS_TIMEOUT:-8s}
DIFF_OPS=${STRESS_DIFF_OPS:-100000}
DIFF_PROCS=${STRESS_DIFF_PROCS:-4}
# The filesystem class of stress-ng 0.15, less what a FUSE mount of a profile
# cannot be asked for: ioctl-based stressors (chattr, inode-flags, fiemap,
# file-ioctl, verity), file handles, leases, mount namespaces (bind-mount,
# binderfs), change notification (dnotify, fanotify, inotify) and the ones
# that do not touch the file system they run in (procfs, eventfd, dup, ioprio).
STRESSORS=${STRESS_STRESSORS:-"access chdir chmod chown copy-file dentry dir dirdeep dirmany fallocate fcntl filename flock fpunch fsize fstat getdent hdd io iomix link locka lockf lockofd mknod open rename symlink sync-file touch utime xattr"}

GO=${GO:-go}
WORK=$(mktemp -d /tmp/roamfs-stress-XXXXXX)
BIN=$WORK/roamfs
SERVER=$WORK/server/alice CACHE=$WORK/cache MNT=$WORK/mnt
mkdir -p "$MNT" "$WORK/logs"
HWM_PID=
cleanup() {
  [ -n "$HWM_PID" ] && kill "$HWM_PID" 2>/dev/null || true
  if mountpoint -q "$MNT"; then
    "$BIN" logoff "$MNT" >/dev/null 2>&1 || umount -l "$MNT" 2>/dev/null || true
  fi
  if [ "${STRESS_KEEP:-0}" = 1 ]; then echo "stress: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "stress: building roamfs and the e2e test binary"
$GO build -o "$BIN" ./cmd/roamfs
$GO test -c -o "$WORK/e2e.test" ./test/

start=$(date +%s)
WRITEBACK=${STRESS_WRITEBACK:-0}
if [ "$WRITEBACK" = 1 ]; then echo "PSMidSessionWriteBack: true" >"$WORK/policy.yaml"; else echo "PSMidSessionWriteBack: false" >"$WORK/policy.yaml"; fi
ROAMFS_PPROF=${STRESS_PPROF:-} "$BIN" logon --server "$SERVER" --cache "$CACHE" --policy "$WORK/policy.yaml" "$MNT"
PID=$("$BIN" status --json --cache "$CACHE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["PID"])')
# VmHWM only grows: the last reading before the daemon exits is its peak.
( while [ -e /proc/$PID ]; do grep VmHWM /proc/$PID/status 2>/dev/null | awk '{print $2}' > "$WORK/hwm.tmp" && mv "$WORK/hwm.tmp" "$WORK/hwm"; sleep 0.1; done ) &
HWM_PID=$!

# 1. stress-ng.
AREA=$MNT/Documents/stress-ng
mkdir -p "$AREA"
failed=() skipped=() passed=()
for s in $STRESSORS; do
  mkdir -p "$AREA/$s"
  set +e
  stress-ng --"$s" 2 --timeout "$TIMEOUT" --verify --temp-path "$AREA/$s" --metrics-brief >"$WORK/logs/stress-ng-$s.log" 2>&1
  rc=$?
  set -e
  case $rc in
    0) passed+=("$s") ;;
    3|4) skipped+=("$s") ;; # no resources / not implemented here
    *) failed+=("$s"); echo "stress: stress-ng --$s failed (exit $rc):"; tail -5 "$WORK/logs/stress-ng-$s.log" ;;
  esac
done
echo "stress: stress-ng: ${#passed[@]} passed, ${#skipped[@]} skipped (${skipped[*]:-}), ${#failed[@]} failed (${failed[*]:-})"

# 2. The differential test, several processes, each its own session.
per=$(( (DIFF_OPS + DIFF_PROCS - 1) / DIFF_PROCS ))
echo "stress: differential test, $DIFF_PROCS processes × $per operations"
pids=()
for i in $(seq 1 "$DIFF_PROCS"); do
  seed=$(( $(date +%s%N) % 1000000007 + i ))
  ( cd test && ROAMFS_DIFF_OPS=$per ROAMFS_SEED=$seed "$WORK/e2e.test" -test.run '^TestDifferentialRandomOps$' \
      -test.count=1 -test.timeout 60m -test.v >"$WORK/logs/diff-$i.log" 2>&1 ) &
  pids+=($!)
done
diff_failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    diff_failed=$((diff_failed + 1))
    echo "stress: differential test process $((i + 1)) failed:"; grep -E "seed|FAIL|diff_test" "$WORK/logs/diff-$((i + 1)).log" | tail -20
  fi
done
grep -hE "diff_test.go:[0-9]+: operations:" "$WORK"/logs/diff-*.log | sed 's/^ */stress: /' || true

# 3. Log off and compare the server with the mount.
RECORDS=$("$BIN" status --json --cache "$CACHE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["PendingChanges"])')
python3 scripts/stress_tree.py "$MNT" >"$WORK/mount.list"
t0=$(date +%s.%N)
"$BIN" logoff "$MNT"
t1=$(date +%s.%N)
while [ -e /proc/$PID ]; do sleep 0.05; done
kill "$HWM_PID" 2>/dev/null || true
HWM_PID=
python3 scripts/stress_tree.py "$SERVER" >"$WORK/server.list"
same=1
if ! diff -u "$WORK/mount.list" "$WORK/server.list" >"$WORK/tree.diff"; then
  same=0
  echo "stress: the server differs from the mount before logoff:"; head -40 "$WORK/tree.diff"
fi

echo
echo "roamfs stress run ($(( $(date +%s) - start )) s)"
printf '  stress-ng:          %d stressors passed with --verify, %d skipped, %d failed (timeout %s each)\n' "${#passed[@]}" "${#skipped[@]}" "${#failed[@]}" "$TIMEOUT"
printf '  differential test:  %d processes × %d operations, %d failed\n' "$DIFF_PROCS" "$per" "$diff_failed"
printf '  journal records:    %s pending at logoff (write-back rounds %s)\n' "$RECORDS" "$([ "$WRITEBACK" = 1 ] && echo on || echo off)"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  logoff:             %.2f s\n", b - a }'
awk -v kb="$(cat "$WORK/hwm")" 'BEGIN { printf "  daemon peak RSS:    %.1f MB (VmHWM)\n", kb * 1024 / 1e6 }'
printf '  server = mount:     %s (%d entries compared)\n' "$([ $same = 1 ] && echo yes || echo NO)" "$(wc -l <"$WORK/mount.list")"
[ ${#failed[@]} = 0 ] && [ $diff_failed = 0 ] && [ $same = 1 ]
