#!/usr/bin/env bash
# Runs a Windows executable under 64-bit Wine, non-interactively, in opensslp's own Wine prefix.
#   cmake/wine-run.sh program.exe [args...]     exit status is the program's
# The prefix ($OPENSSLP_CACHE/wine-prefix, default ~/.cache/opensslp/wine-prefix, unless WINEPREFIX is set) is created on first use
# (~20 s), under a lock so parallel ctest jobs don't race to create it. Mono/Gecko installer
# prompts are disabled (mscoree, mshtml) and Wine's own debug output is silenced.
set -euo pipefail
export WINEPREFIX="${WINEPREFIX:-${OPENSSLP_CACHE:-$HOME/.cache/opensslp}/wine-prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
export WINEARCH=win64
unset DISPLAY

wine=""
for candidate in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
  if [[ -n "$candidate" && -x "$candidate" ]]; then wine="$candidate"; break; fi
done
[[ -n "$wine" ]] || { echo "wine-run: Wine is not installed (tools/install-deps.sh --windows)" >&2; exit 127; }
[[ $# -ge 1 ]] || { echo "usage: wine-run.sh program.exe [args...]" >&2; exit 2; }

if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
  mkdir -p "$(dirname "$WINEPREFIX")"
  (
    flock 9
    if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
      echo "wine-run: creating Wine prefix $WINEPREFIX" >&2
      "$wine" wineboot --init >/dev/null 2>&1 || true
      wineserver_bin="$(dirname "$wine")/wineserver"
      [[ -x "$wineserver_bin" ]] || wineserver_bin="$(command -v wineserver || true)"
      [[ -n "$wineserver_bin" ]] && "$wineserver_bin" --wait || true
    fi
  ) 9>"$WINEPREFIX.lock"
fi
exec "$wine" "$@"
