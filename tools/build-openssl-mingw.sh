#!/usr/bin/env bash
# Builds OpenSSL's libcrypto (static, no shared libraries) for mingw-w64 from Debian's openssl
# source package, for opensslp's Windows builds (the mingw-x64 and mingw-x86 presets).
#
#   tools/build-openssl-mingw.sh [x64|x86]   build if needed; prints the install prefix on stdout
#
#   target  cross prefix           OpenSSL target  installed under
#   x64     x86_64-w64-mingw32-    mingw64         $OPENSSLP_CACHE/openssl-mingw64-<version>/
#   x86     i686-w64-mingw32-      mingw           $OPENSSLP_CACHE/openssl-mingw32-<version>/
#
# x64 is the default. The result is reused when its stamp file is present, so only the first run
# pays the ~4 minutes (2 cores, each target). Both targets build from the same source tarball,
# $OPENSSLP_CACHE/src/openssl_*.orig.tar.gz; when there is none it is fetched once with
# `apt-get source --download-only openssl` (tools/install-deps.sh --windows enables deb-src).
# The fetch and each target's build hold a lock, so the two targets may be built at the same time
# (tools/test.sh does) and a CMake configure that calls this script waits for a build in progress.
# Everything but the final prefix goes to stderr, so `prefix=$(tools/build-openssl-mingw.sh x86)`
# works.
#
# OPENSSLP_CACHE overrides the cache directory (default ~/.cache/opensslp; CI points it at an empty
# directory on every run, so the fetch and the builds are proven from nothing each time);
# OPENSSLP_JOBS the make jobs (default 2). Any failure ends in one line on stderr saying which
# step failed and why.
set -euo pipefail

target="${1:-x64}"
case "$target" in
  x64) triple=x86_64-w64-mingw32; ossl_target=mingw64; bits=64; program_files="C:/Program Files" ;;
  x86) triple=i686-w64-mingw32;   ossl_target=mingw;   bits=32; program_files="C:/Program Files (x86)" ;;
  *) echo "build-openssl-mingw: unknown target '$target' (x64 or x86)" >&2; exit 2 ;;
esac
cache="${OPENSSLP_CACHE:-$HOME/.cache/opensslp}"
src_dir="$cache/src"
jobs="${OPENSSLP_JOBS:-2}"
log() { echo "build-openssl-mingw: $target: $*" >&2; }
# One line for any command that fails under `set -e` without its own message.
trap 'rc=$?; log "failed (exit $rc) at line $LINENO: $BASH_COMMAND"; exit $rc' ERR

mkdir -p "$src_dir"
find_tarball() {
  # Newest version if several are present; prints nothing (and succeeds) when there is none. A
  # glob, not `ls`: with pipefail, `ls` of an unmatched pattern fails the whole pipeline, and in
  # `tarball="$(find_tarball)"` that ended the script silently on every empty cache.
  local found=() f
  for f in "$src_dir"/openssl_*.orig.tar.gz; do
    [[ -f "$f" ]] && found+=("$f")
  done
  (( ${#found[@]} )) || return 0
  printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

# The source fetch, once for both targets: whoever takes the lock first fetches, the other finds
# the tarball when it gets the lock.
exec 8>"$src_dir/.fetch.lock"
flock 8
tarball="$(find_tarball)"
if [[ -z "$tarball" ]]; then
  log "no openssl_*.orig.tar.gz in $src_dir; fetching Debian's source package"
  command -v apt-get >/dev/null || { log "apt-get not available"; exit 1; }
  # Only the .orig tarball is needed: a failure to fetch the .dsc or the Debian diff (seen when
  # the security archive has moved on) is tolerated as long as the tarball arrived. A stale
  # package index is refreshed once.
  (cd "$src_dir" && apt-get source --download-only openssl >&2) || true
  tarball="$(find_tarball)"
  if [[ -z "$tarball" ]]; then
    apt-get update -qq >&2 || true
    (cd "$src_dir" && apt-get source --download-only openssl >&2) || true
    tarball="$(find_tarball)"
  fi
  [[ -n "$tarball" ]] || { log "apt-get source did not produce openssl_*.orig.tar.gz"; exit 1; }
fi
flock -u 8
exec 8>&-

version="$(basename "$tarball")"
version="${version#openssl_}"
version="${version%.orig.tar.gz}"
prefix="$cache/openssl-mingw$bits-$version"
stamp="$prefix/.opensslp-stamp"
# The stamp records what was built; a change of recipe (this line) forces a rebuild.
recipe="v2 $ossl_target gcc-posix no-shared no-tests static libcrypto+libssl windows-dirs"

# One build per target at a time; a second caller waits and then reuses the result.
exec 9>"$cache/openssl-mingw$bits.lock"
flock 9
if [[ -f "$stamp" && "$(cat "$stamp")" == "$recipe" && -f "$prefix/lib/libcrypto.a" ]]; then
  log "reusing $prefix"
  echo "$prefix"
  exit 0
fi

for tool in $triple-gcc-posix $triple-ar $triple-windres perl make; do
  command -v "$tool" >/dev/null || { log "missing $tool (run tools/install-deps.sh --windows)"; exit 1; }
done

work="$cache/build-openssl-mingw$bits-$version"
rm -rf "$work" "$prefix"
mkdir -p "$work"
log "building OpenSSL $version for $triple in $work (takes a few minutes)"
start=$SECONDS
tar -xzf "$tarball" -C "$work" --strip-components=1

# CC is prefixed by Configure with the cross prefix: $triple-gcc-posix, the compiler variant whose
# runtime (winpthread) matches $triple-g++-posix used for opensslp itself.
(
  cd "$work"
  CC=gcc-posix ./Configure "$ossl_target" --cross-compile-prefix="$triple-" \
      no-shared no-tests no-module \
      --prefix="$prefix" --libdir=lib --openssldir="$prefix/ssl" >&2
  # The directories compiled into libcrypto (OPENSSLDIR for openssl.cnf and certificates,
  # ENGINESDIR, MODULESDIR) are the Windows locations OpenSSL's own Windows builds use, writable
  # only by administrators, not this machine's install prefix: a build path would otherwise end up
  # in opensslp.dll (and on Windows a relative-root path like /root/... names a directory that any
  # user may create on the current drive). opensslp loads neither openssl.cnf, engines nor modules.
  make -j"$jobs" build_libs \
      "OPENSSLDIR=$program_files/Common Files/SSL" \
      "ENGINESDIR=$program_files/OpenSSL/lib/engines-3" \
      "MODULESDIR=$program_files/OpenSSL/lib/ossl-modules" \
      >"$work.build.log" 2>&1 || { tail -n 60 "$work.build.log" >&2; exit 1; }
  make install_dev >>"$work.build.log" 2>&1 || { tail -n 60 "$work.build.log" >&2; exit 1; }
)
[[ -f "$prefix/lib/libcrypto.a" ]] || { log "libcrypto.a was not installed"; exit 1; }
echo "$recipe" >"$stamp"
rm -rf "$work" "$work.build.log"
log "done in $((SECONDS - start)) s: $prefix"
echo "$prefix"
