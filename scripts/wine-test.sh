#!/usr/bin/env bash
# Runs roamfs' Windows code under Wine (issue 19): the Windows test files
# (*_windows_test.go) and the network provider DLL's exports. `make wine`
# calls it; .ci/run installs wine, wine64 and gcc-mingw-w64-x86-64 (this
# script installs nothing).
#
# Cached between runs, in ROAMFS_WINE_CACHE (default ~/.cache/roamfs-wine):
# the Wine prefix, and the shim bcryptprimitives.dll in its system32. Go 1.24
# and later call ProcessPrng from bcryptprimitives.dll at start-up, which Wine 8
# lacks; the shim forwards it to RtlGenRandom (SystemFunction036). Wine looks
# for it in system32 only, not beside the test binary.
#
# Usage: scripts/wine-test.sh [go test flags...]   (e.g. -run TestPipe -v)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "wine-test: $tool not found; install wine, wine64 and gcc-mingw-w64-x86-64 (.ci/run does)" >&2
    exit 1
  }
done

cache="${ROAMFS_WINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/roamfs-wine}"
mkdir -p "$cache"
export WINEPREFIX="$cache/prefix"
export WINEDEBUG=-all
# Only 64-bit Wine is installed: skip Mono and Gecko (never used here and
# they would ask to be downloaded); no display.
export WINEARCH=win64
# winedbg off: a crashing test binary then just ends (and fails) instead of
# hanging in the debugger until the test timeout; winemenubuilder is never
# needed headless.
export WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe,winemenubuilder.exe=d"
unset DISPLAY WAYLAND_DISPLAY

cc=x86_64-w64-mingw32-gcc
shim_src="$root/scripts/wine/bcryptprimitives.c"
shim="$cache/bcryptprimitives.dll"
if [ ! -f "$shim" ] || [ "$shim_src" -nt "$shim" ] || [ "$root/scripts/wine/bcryptprimitives.def" -nt "$shim" ]; then
  "$cc" -O2 -shared -o "$shim.tmp" "$shim_src" "$root/scripts/wine/bcryptprimitives.def" -ladvapi32
  mv "$shim.tmp" "$shim"
fi

if [ ! -f "$WINEPREFIX/.roamfs-ready" ]; then
  echo "wine-test: creating the Wine prefix $WINEPREFIX (once; cached)"
  rm -rf "$WINEPREFIX"
  start=$(date +%s)
  wineboot -i >"$cache/wineboot.log" 2>&1 || { cat "$cache/wineboot.log" >&2; exit 1; }
  wineserver -w
  touch "$WINEPREFIX/.roamfs-ready"
  echo "wine-test: prefix ready in $(( $(date +%s) - start )) s"
fi
sys32="$WINEPREFIX/drive_c/windows/system32"
cmp -s "$shim" "$sys32/bcryptprimitives.dll" || cp "$shim" "$sys32/bcryptprimitives.dll"

# The network provider DLL, for its harness (winlogon/np, TestNetworkProvider).
make -s np NPDLL="$cache/roamfsnp.dll"
export ROAMFS_NP_DLL="$cache/roamfsnp.dll"

# -race needs cgo, which a cross build has not; one package at a time (they
# share the Wine registry and the logon pipe's name). The packages whose
# every test runs under Wine run whole; in the others the portable tests use
# t.TempDir, whose cleanup (os.RemoveAll) fails under Wine, so only their
# Windows tests (TestWin*) run there.
run() {
  GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -count=1 -p 1 -timeout 5m \
    -exec "$root/scripts/wine-exec.sh" "$@"
}
run "$@" ./service/ ./internal/winpipe/ ./internal/wintest/ ./internal/junction/
run -run '^TestWin' "$@" ./policy/ ./cmd/roamfs/
