#!/usr/bin/env bash
# Runs a Windows executable under 64-bit Wine, non-interactively, in opensslp's own Wine prefix.
#   cmake/wine-run.sh program.exe [args...]     exit status is the program's
# The prefix ($OPENSSLP_CACHE/wine-prefix, default ~/.cache/opensslp/wine-prefix, unless WINEPREFIX is set) is created on first use
# (~20 s), under a lock so parallel ctest jobs don't race to create it. Mono/Gecko installer
# prompts are disabled (mscoree, mshtml) and Wine's own debug output is silenced.
#
# The prefix is 64-bit (WINEARCH=win64) for both builds: a 32-bit program (the mingw-x86 preset)
# runs through WoW64, as on 64-bit Windows, with its system DLLs in windows/syswow64 (wine32:i386,
# from tools/install-deps.sh --windows). A prefix made before wine32 was installed has an empty
# syswow64 that `wineboot --update` cannot fill (it needs 32-bit programs from there), so the first
# 32-bit program to run in such a prefix has it made anew (it holds nothing but Wine's defaults).
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

# shellcheck source=pe-machine.sh
source "$(dirname "${BASH_SOURCE[0]}")/pe-machine.sh"

wineserver_wait() {
  local wineserver_bin
  wineserver_bin="$(dirname "$wine")/wineserver"
  [[ -x "$wineserver_bin" ]] || wineserver_bin="$(command -v wineserver || true)"
  if [[ -n "$wineserver_bin" ]]; then "$wineserver_bin" --wait || true; fi
}

if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
  mkdir -p "$(dirname "$WINEPREFIX")"
  (
    flock 9
    if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
      echo "wine-run: creating Wine prefix $WINEPREFIX" >&2
      "$wine" wineboot --init >/dev/null 2>&1 || true
      wineserver_wait
    fi
  ) 9>"$WINEPREFIX.lock"
fi

syswow64="$WINEPREFIX/drive_c/windows/syswow64"
if [[ "$(pe_machine "$1")" == 014c && ! -f "$syswow64/kernel32.dll" ]]; then
  (
    flock 9
    if [[ ! -f "$syswow64/kernel32.dll" ]]; then
      if [[ ! -x /usr/lib/wine/wine && ! -x /usr/lib/i386-linux-gnu/wine/wine ]] && ! dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
        echo "wine-run: $1 is a 32-bit program and 32-bit Wine (wine32:i386) is not installed (tools/install-deps.sh --windows)" >&2
        exit 127
      fi
      echo "wine-run: $WINEPREFIX has no 32-bit (WoW64) DLLs (made before wine32 was installed); making it anew" >&2
      old="$WINEPREFIX.no-wow64.$$"
      mv "$WINEPREFIX" "$old"
      "$wine" wineboot --init >/dev/null 2>&1 || true
      wineserver_wait
      rm -rf "$old"
    fi
  ) 9>"$WINEPREFIX.lock"
fi

# OPENSSLP_WINE_SYSTEM_DLLS="a.dll b.dll": install these DLLs in the prefix's system directory for
# this run (the installed layout, as on Windows: a 64-bit DLL in windows/system32, a 32-bit one in
# windows/syswow64), run the program, then remove them again.
installed=()
for dll in ${OPENSSLP_WINE_SYSTEM_DLLS:-}; do
  case "$(pe_machine "$dll")" in
    8664) dest="$WINEPREFIX/drive_c/windows/system32" ;;
    014c) dest="$WINEPREFIX/drive_c/windows/syswow64" ;;
    *) echo "wine-run: OPENSSLP_WINE_SYSTEM_DLLS: $dll is not an x64 or x86 PE file" >&2; exit 2 ;;
  esac
  cp "$dll" "$dest/"
  installed+=("$dest/$(basename "$dll")")
  echo "wine-run: installed $dll as ${dest#"$WINEPREFIX/"}/$(basename "$dll")" >&2
done
if (( ${#installed[@]} )); then
  set +e
  "$wine" "$@"
  rc=$?
  rm -f "${installed[@]}"
  exit $rc
fi
exec "$wine" "$@"
