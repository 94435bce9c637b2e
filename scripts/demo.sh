#!/usr/bin/env bash
# make demo: one user's session on the built-in default profile, end to end:
# logon (the server copy does not exist yet, so it is created from the Windows
# Default User template), some work through the mount, logoff, then the journal
# and the server copy.
set -euo pipefail
bin=$(realpath "${1:-bin/roamfs}")
work=$(mktemp -d /tmp/roamfs-demo.XXXXXX)
server=$work/server/alice cache=$work/cache mnt=$work/mnt
mkdir -p "$mnt"
cleanup() {
  if grep -qs " $mnt fuse.roamfs " /proc/mounts; then "$bin" logoff "$mnt" >/dev/null 2>&1 || umount -l "$mnt"; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "logon: $server does not exist yet -> default profile"
"$bin" logon --server "$server" --cache "$cache" "$mnt"
ls "$mnt"

step "work through the mount"
echo "Quarterly numbers" > "$mnt/Documents/report.txt"
mkdir -p "$mnt/Documents/Projects/roamfs"
echo "todo: ship it" > "$mnt/Documents/Projects/roamfs/notes.md"
echo "draft" > "$mnt/Desktop/draft.txt"
mv "$mnt/Desktop/draft.txt" "$mnt/Documents/final.txt"
echo "browser cache, never roams" > "$mnt/AppData/Local/cache.bin"
mkdir -p "$mnt/AppData/Roaming/Editor" && echo "theme=dark" > "$mnt/AppData/Roaming/Editor/settings.ini"
ln -s report.txt "$mnt/Documents/latest"
rm "$mnt/Documents/final.txt"
"$bin" status --cache "$cache"

step "pending journal (what logoff will replay)"
"$bin" journal --cache "$cache"

step "logoff"
"$bin" logoff "$mnt"

step "journal, whole history"
"$bin" journal --all --cache "$cache"

step "server copy after logoff ($server)"
(cd "$server" && find . -mindepth 1 | sort | sed 's|^\./||' | while read -r p; do
  if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"; elif [ -d "$p" ]; then echo "$p/"; else echo "$p  ($(stat -c %s "$p") bytes)"; fi
done)
echo
echo "AppData/Local/cache.bin stayed on this machine: $( [ -e "$server/AppData/Local/cache.bin" ] && echo 'NO, it was uploaded' || echo yes)"
