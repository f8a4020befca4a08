#!/usr/bin/env bash
# Installs, with apt-get, everything opensslp's builds and tests need on Debian 12.
# Safe to run repeatedly: it installs only what is missing.
#   tools/install-deps.sh           Linux build + tests (and clang with libFuzzer for fuzz/)
#   tools/install-deps.sh --windows also the mingw-w64 cross toolchains (x86_64 and i686), Wine
#                                   (64-bit, and 32-bit for WoW64: the i386 architecture is added
#                                   if needed), the OpenSSL source package (deb-src is enabled
#                                   if needed) and the MSI tools (wixl, msitools, gcab,
#                                   osslsigncode: tools/build-msi.sh, tests/installer/msi_test.sh)
set -euo pipefail
want_windows=0
[[ "${1:-}" == "--windows" ]] && want_windows=1

packages=(cmake ninja-build g++ binutils pkg-config libssl-dev openssl libgtest-dev libgmock-dev googletest
          libbenchmark-dev
          clang libclang-rt-14-dev  # the fuzz preset: clang with libFuzzer (fuzz/)
          valgrind   # tests/ct: the constant-time check under memcheck (docs/constant-time.md)
          tshark)    # tests/cli/keylog_test.sh: captures decrypted with the key log (docs/key-log.md)
if (( want_windows )); then
  packages+=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
             mingw-w64-x86-64-dev wine wine64 dpkg-dev perl make
             g++-mingw-w64-i686-posix gcc-mingw-w64-i686-posix binutils-mingw-w64-i686
             mingw-w64-i686-dev wine32:i386
             wixl msitools gcab osslsigncode)
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# wine32:i386 (32-bit programs under WoW64, the mingw-x86 preset) needs the i386 architecture.
# Installing it may upgrade amd64 packages too (libssl3/libssl-dev: the :i386 copies must match).
added_arch=0
if (( want_windows )) && ! dpkg --print-foreign-architectures | grep -qx i386; then
  echo "install-deps: adding the i386 architecture (for wine32:i386)"
  $SUDO dpkg --add-architecture i386
  added_arch=1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} || added_arch )); then
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
