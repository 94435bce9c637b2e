#!/usr/bin/env bash
# `go test -exec` wrapper: runs a Windows test binary under Wine and hands its
# exit code back. scripts/wine-test.sh sets WINEPREFIX (the cached prefix with
# the bcryptprimitives.dll shim); headless, quiet.
set -euo pipefail
unset DISPLAY WAYLAND_DISPLAY
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=;winedbg.exe,winemenubuilder.exe=d}"
: "${WINEPREFIX:?WINEPREFIX is not set; run scripts/wine-test.sh}"
exec wine "$@"
