#!/usr/bin/env bash
# Installs, with apt-get, everything opensslp's builds and tests need on Debian 12.
# Safe to run repeatedly: it installs only what is missing.
#   tools/install-deps.sh           Linux build + tests
#   tools/install-deps.sh --windows also the mingw-w64 cross toolchain, Wine and the
#                                   OpenSSL source package (deb-src is enabled if needed)
set -euo pipefail
want_windows=0
[[ "${1:-}" == "--windows" ]] && want_windows=1

packages=(cmake ninja-build g++ binutils pkg-config libssl-dev openssl libgtest-dev libgmock-dev googletest
          libbenchmark-dev)
if (( want_windows )); then
  packages+=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
             mingw-w64-x86-64-dev wine wine64 dpkg-dev perl make)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if (( want_windows )); then
  # `apt-get source` needs deb-src entries; mirror the existing deb stanzas if there are none.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    src=/etc/apt/sources.list.d/debian.sources
    if [[ -f "$src" ]]; then
      sed 's/^Types: deb$/Types: deb-src/' "$src" | $SUDO tee /etc/apt/sources.list.d/opensslp-deb-src.sources >/dev/null
      $SUDO apt-get update -qq
    fi
  fi
fi
