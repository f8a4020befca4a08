#!/usr/bin/env bash
# Builds OpenSSL's libcrypto (static, no shared libraries) for x86_64-w64-mingw32 from Debian's
# openssl source package, for opensslp's Windows build (the mingw-x64 preset).
#
#   tools/build-openssl-mingw.sh            build if needed; prints the install prefix on stdout
#
# The result is installed under ~/.cache/opensslp/openssl-mingw64-<version>/ and reused when its
# stamp file is present, so only the first run pays the ~4 minutes (2 cores). The source tarball is
# taken from ~/.cache/opensslp/src/openssl_*.orig.tar.gz; when there is none it is fetched with
# `apt-get source --download-only openssl` (tools/install-deps.sh --windows enables deb-src).
# Everything but the final prefix goes to stderr, so `prefix=$(tools/build-openssl-mingw.sh)` works.
#
# OPENSSLP_CACHE overrides the cache directory (CI points it at an empty directory on every run, so
# the fetch and the build are proven from nothing each time). Any failure ends in one line on
# stderr saying which step failed and why.
set -euo pipefail

cache="${OPENSSLP_CACHE:-$HOME/.cache/opensslp}"
src_dir="$cache/src"
jobs="${OPENSSLP_JOBS:-2}"
log() { echo "build-openssl-mingw: $*" >&2; }
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
version="$(basename "$tarball")"
version="${version#openssl_}"
version="${version%.orig.tar.gz}"
prefix="$cache/openssl-mingw64-$version"
stamp="$prefix/.opensslp-stamp"
# The stamp records what was built; a change of recipe (this line) forces a rebuild.
recipe="v1 mingw64 gcc-posix no-shared no-tests static libcrypto+libssl"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$recipe" && -f "$prefix/lib/libcrypto.a" ]]; then
  log "reusing $prefix"
  echo "$prefix"
  exit 0
fi

for tool in x86_64-w64-mingw32-gcc-posix x86_64-w64-mingw32-ar x86_64-w64-mingw32-windres perl make; do
  command -v "$tool" >/dev/null || { log "missing $tool (run tools/install-deps.sh --windows)"; exit 1; }
done

work="$cache/build-openssl-mingw64-$version"
rm -rf "$work" "$prefix"
mkdir -p "$work"
log "building OpenSSL $version for x86_64-w64-mingw32 in $work (takes a few minutes)"
start=$SECONDS
tar -xzf "$tarball" -C "$work" --strip-components=1

# CC is prefixed by Configure with the cross prefix: x86_64-w64-mingw32-gcc-posix, the compiler
# variant whose runtime (winpthread) matches x86_64-w64-mingw32-g++-posix used for opensslp itself.
(
  cd "$work"
  CC=gcc-posix ./Configure mingw64 --cross-compile-prefix=x86_64-w64-mingw32- \
      no-shared no-tests no-module \
      --prefix="$prefix" --libdir=lib --openssldir="$prefix/ssl" >&2
  make -j"$jobs" build_libs >"$work.build.log" 2>&1 || { tail -n 60 "$work.build.log" >&2; exit 1; }
  make install_dev >>"$work.build.log" 2>&1 || { tail -n 60 "$work.build.log" >&2; exit 1; }
)
[[ -f "$prefix/lib/libcrypto.a" ]] || { log "libcrypto.a was not installed"; exit 1; }
echo "$recipe" >"$stamp"
rm -rf "$work" "$work.build.log"
log "done in $((SECONDS - start)) s: $prefix"
echo "$prefix"
