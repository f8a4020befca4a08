#!/usr/bin/env bash
# Runs every opensslp test, on Linux and on Windows (mingw-w64 builds, x64 and x86, under Wine):
#
#   1. installs what is missing (tools/install-deps.sh --windows; apt-get only)
#   2. OpenSSL's static libcrypto for mingw, x64 and x86 (tools/build-openssl-mingw.sh; cached in
#      $OPENSSLP_CACHE, default ~/.cache/opensslp; .ci/run empties it so CI proves the fetch and
#      build every time), started in the background at low priority so it fills the CPU the Linux
#      test runs leave idle
#   3. presets default, ct (-O2: the constant-time tests of tests/ct), asan (ASan+UBSan), tsan:
#      configure, build, ctest; then the fuzz preset
#      (clang, libFuzzer): every target replays its seed corpus and fuzzes briefly (fuzz/run.sh)
#   4. presets mingw-x64 and mingw-x86 (32-bit): configure, build, ctest (test executables run under
#      Wine; the 32-bit ones through WoW64 in the same 64-bit prefix; DLL import and export checks;
#      on x86 the __stdcall stack check; the session-key blob across the two architectures)
#   5. release presets mingw-x64-release and mingw-x86-release: the stripped DLLs, their sizes, no
#      build paths in them, and the x86 stack check and the installed-layout/VERSIONINFO test run
#      against them; then the MSI built from them (signed with a throwaway certificate), installed
#      and removed under Wine (tests/installer/msi_test.sh)
#   6. Windows/Linux parity, for each Windows architecture: the test names of the Windows
#      executables equal the Linux ones, less the platform-only tests of tests/platform_only.txt,
#      and Wine ran that many tests
#
# Prints a summary and ends with the line `N passed, N failed` (individual GoogleTest cases plus the
# other ctest checks, over all runs); exits non-zero on any failure.
# Build trees are build/<preset> and are reused. Environment:
#   OPENSSLP_JOBS      parallel build jobs (default 2)
#   OPENSSLP_PRESETS   Linux presets to run (default "default ct asan tsan")
#   OPENSSLP_WINDOWS_ARCHS    Windows architectures to run (default "x64 x86")
#   OPENSSLP_SKIP_RELEASE=1   skip step 5
#   OPENSSLP_FUZZ_SECONDS     fresh fuzzing time per fuzz target (default 10)
#   OPENSSLP_SKIP_FUZZ=1      skip the fuzz targets
#   OPENSSLP_SKIP_WINDOWS=1   skip steps 2, 4-6
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${OPENSSLP_JOBS:-2}"
linux_presets="${OPENSSLP_PRESETS:-default ct asan tsan}"
skip_windows="${OPENSSLP_SKIP_WINDOWS:-0}"
fuzz_seconds="${OPENSSLP_FUZZ_SECONDS:-10}"
skip_release="${OPENSSLP_SKIP_RELEASE:-0}"
windows_archs="${OPENSSLP_WINDOWS_ARCHS:-x64 x86}"
exec </dev/null

total_passed=0
total_failed=0
summary=()
problems=()
t_start=$SECONDS

say() { printf '\n==== test.sh: %s\n' "$*"; }
note() { summary+=("$*"); }
problem() { problems+=("$*"); total_failed=$((total_failed + 1)); }
elapsed() { local s=$(($1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# An attribute of the <testsuites> element of a GoogleTest XML report.
xml_attr() { # file attr
  sed -n "s/.*<testsuites [^>]*\\b$2=\"\\([0-9]*\\)\".*/\\1/p" "$1" | head -n 1
}

# Runs ctest for a preset and adds its results to the totals. GoogleTest executables count their
# individual test cases (from gtest-results/<name>.xml, written by --gtest_output); a suite whose
# process failed although every case passed (sanitizer report at exit, crash) adds one failure;
# other ctest tests (the export/import checks) count one each.
run_ctest() { # preset
  local preset="$1" bin="build/$1" log="build/$1/ctest.log"
  rm -rf "$bin/tests/gtest-results"
  local t0=$SECONDS
  ctest --preset "$preset" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p=0 f=0 s=0 line name status
  while IFS= read -r line; do
    [[ "$line" =~ Test\ +#[0-9]+:\ ([^ ]+)\ \.*\ *(\*\*\*)?([A-Za-z].*)$ ]] || continue
    name="${BASH_REMATCH[1]}"
    status="${BASH_REMATCH[3]}"
    local xml="$bin/tests/gtest-results/$name.xml"
    if [[ -f "$xml" ]]; then
      local tests failures disabled skipped
      tests=$(xml_attr "$xml" tests); failures=$(xml_attr "$xml" failures)
      disabled=$(xml_attr "$xml" disabled); skipped=$(grep -c 'result="skipped"' "$xml")
      p=$((p + tests - disabled - failures - skipped)); f=$((f + failures)); s=$((s + skipped))
      (( failures > 0 )) && problems+=("$preset: $name: $failures failed test case(s)")
      if [[ "$status" != Passed* ]] && (( failures == 0 )); then
        f=$((f + 1)); problems+=("$preset: $name: process failed after its tests ($status)")
      fi
    elif [[ "$status" == Passed* ]]; then
      p=$((p + 1))
    elif [[ "$status" == Skipped* ]]; then
      s=$((s + 1))
    else
      f=$((f + 1)); problems+=("$preset: $name: $status")
    fi
  done <"$log"
  if (( rc != 0 && f == 0 )); then
    f=1; problems+=("$preset: ctest exited with $rc")
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  note "$(printf '%-18s %4d passed, %d failed, %d skipped   (ctest %s)' "$preset" "$p" "$f" "$s" "$(elapsed $((SECONDS - t0)))")"
  return 0
}

build_preset() { # preset -> 0 when configured and built
  local preset="$1" t0=$SECONDS
  say "configure + build preset $preset"
  if ! cmake --preset "$preset"; then problem "$preset: configure failed"; return 1; fi
  if ! cmake --build --preset "$preset" --parallel "$jobs"; then problem "$preset: build failed"; return 1; fi
  note "$(printf '%-18s built in %s' "$preset" "$(elapsed $((SECONDS - t0)))")"
}

# ---- 1. dependencies ---------------------------------------------------------------------------
say "dependencies"
deps_flag="--windows"
[[ "$skip_windows" == 1 ]] && deps_flag=""
if ! bash tools/install-deps.sh $deps_flag; then
  echo "test.sh: tools/install-deps.sh failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Can this machine run 32-bit x86 programs? Wine runs the x86 build's executables through its
# 32-bit loader; a kernel without IA-32 emulation (seen on some virtual machines) refuses every
# 32-bit ELF ("Exec format error"), so nothing 32-bit can run under Wine there. Then the x86
# presets are still built (the x86 DLL compiles and links), but their tests cannot run: they are
# reported as NOT RUN, loudly, never as passed. Scripts run from here (tests/registry,
# tests/installer, cmake/run-if-present.sh) read the same answer from OPENSSLP_X86_RUNNABLE
# (tests/support/x86_runnable.sh probes it themselves when run by hand).
x86_runnable=1
if [[ "$skip_windows" != 1 && " $windows_archs " == *" x86 "* ]] && ! /usr/lib/wine/wine --version >/dev/null 2>&1; then
  x86_runnable=0
  x86_reason="this machine cannot execute 32-bit x86 programs ($(uname -r): /usr/lib/wine/wine: $(/usr/lib/wine/wine --version 2>&1 | sed 's/.*: //' | head -n 1))"
  note "$(printf '%-18s NOT RUN: %s; the x86 presets are built only' 'x86 tests' "$x86_reason")"
fi
export OPENSSLP_X86_RUNNABLE=$x86_runnable

# ---- 2. OpenSSL for mingw, in the background --------------------------------------------------
# Both targets, one after the other, at low priority: the Linux builds keep the CPU, and the OpenSSL
# builds take the core the (mostly single-threaded) Linux test runs leave idle.
openssl_dir=""
openssl_pid=""
if [[ "$skip_windows" != 1 ]]; then
  say "OpenSSL for mingw ($windows_archs) in the background (cache: ${OPENSSLP_CACHE:-$HOME/.cache/opensslp})"
  openssl_dir=$(mktemp -d)
  (
    for arch in $windows_archs; do
      t0=$SECONDS
      if nice -n 10 bash tools/build-openssl-mingw.sh "$arch" >"$openssl_dir/$arch.prefix" 2>"$openssl_dir/$arch.log"; then
        echo $((SECONDS - t0)) >"$openssl_dir/$arch.seconds"
      fi
    done
  ) &
  openssl_pid=$!
fi

# ---- 3. Linux presets --------------------------------------------------------------------------
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}"
for preset in $linux_presets; do
  if build_preset "$preset"; then
    say "ctest preset $preset"
    run_ctest "$preset"
  fi
done

# ---- 3b. Fuzzing -------------------------------------------------------------------------------
# The fuzz preset (clang, libFuzzer, ASan+UBSan): every target replays its seed corpus, then fuzzes
# for a bounded time (fuzz/run.sh; long runs: docs/testing.md#fuzzing).
if [[ "${OPENSSLP_SKIP_FUZZ:-0}" != 1 ]]; then
  say "fuzz targets: seed corpus + ${fuzz_seconds}s each (fuzz/run.sh)"
  t0=$SECONDS
  mkdir -p build
  if bash fuzz/run.sh --seconds "$fuzz_seconds" >build/fuzz_run.log 2>&1; then
    n=$(grep -c '^fuzz [a-z0-9_]*: ok' build/fuzz_run.log)
    total_passed=$((total_passed + n))
    note "$(printf '%-18s %s (%s)' fuzz "$(tail -n 1 build/fuzz_run.log)" "$(elapsed $((SECONDS - t0)))")"
  else
    cat build/fuzz_run.log
    problem "fuzz: $(tail -n 1 build/fuzz_run.log) (build/fuzz_run.log)"
  fi
  grep '^fuzz [a-z0-9_]*:' build/fuzz_run.log | sed 's/^/  /'
fi

# ---- 4-5. Windows ------------------------------------------------------------------------------
windows_ok=()
if [[ "$skip_windows" != 1 ]]; then
  say "OpenSSL for mingw: waiting for the background build"
  t0=$SECONDS
  wait "$openssl_pid"
  openssl_ok=()
  for arch in $windows_archs; do
    cat "$openssl_dir/$arch.log" >&2
    if [[ -f "$openssl_dir/$arch.seconds" ]]; then
      openssl_ok+=("$arch")
      note "$(printf '%-18s %s (%s s in the background)' "openssl $arch" "$(cat "$openssl_dir/$arch.prefix")" "$(cat "$openssl_dir/$arch.seconds")")"
    else
      # The script's last line says which step failed and why.
      problem "OpenSSL for mingw $arch: tools/build-openssl-mingw.sh $arch failed: $(grep '^build-openssl-mingw:' "$openssl_dir/$arch.log" | tail -n 1)"
    fi
  done
  note "$(printf '%-18s waited %s after the Linux presets' openssl "$(elapsed $((SECONDS - t0)))")"
  rm -rf "$openssl_dir"

  # Both architectures are built before either is tested: each one's opensslp_xarch_blob test
  # runs the other one's child process.
  built=()
  for arch in "${openssl_ok[@]}"; do
    build_preset "mingw-$arch" && built+=("$arch")
  done
  for arch in "${built[@]}"; do
    if [[ "$arch" == x86 && "$x86_runnable" == 0 ]]; then
      say "ctest preset mingw-x86 (Wine): NOT RUN: $x86_reason"
      note "$(printf '%-18s built; ctest NOT RUN (%s)' mingw-x86 "$x86_reason")"
      continue
    fi
    say "ctest preset mingw-$arch (Wine)"
    run_ctest "mingw-$arch"
    windows_ok+=("$arch")
    dll="build/mingw-$arch/opensslp.dll"
    imports=$(x86_64-w64-mingw32-objdump -p "$dll" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '\n' ' ')
    note "$(printf '%-18s opensslp.dll imports: %s' "mingw-$arch" "$imports")"
  done

  # Release: the DLL alone, optimised and stripped.
  if [[ "$skip_release" != 1 ]]; then
    for arch in "${openssl_ok[@]}"; do
      preset="mingw-$arch-release"
      build_preset "$preset" || continue
      dll="build/$preset/opensslp.dll"
      size=$(stat -c %s "$dll")
      note "$(printf '%-18s opensslp.dll %d bytes (%s MiB), stripped' "$preset" "$size" "$(awk -v n="$size" 'BEGIN { printf "%.1f", n / 1048576 }')")"
      # No build paths (this checkout, the cache, the home directory) and no symbols.
      leaks=$(strings -n 6 "$dll" | grep -E -e "$root" -e '/work/|/root/|/home/|\.cache/|/usr/(lib|share|include|x86_64|i686)' | sort -u | head -n 5)
      if [[ -n "$leaks" ]]; then
        problem "$preset: build paths in opensslp.dll: $(echo "$leaks" | tr '\n' ' ')"
      elif x86_64-w64-mingw32-objdump -h "$dll" | grep -q '\.debug_'; then
        problem "$preset: opensslp.dll has debug sections"
      else
        total_passed=$((total_passed + 1))
      fi
      # The release DLL under Wine: installed in the system directory and loaded by name, with its
      # VERSIONINFO (tests/x86/installed_load.cpp); on x86 every call's stack pointer.
      if [[ "$arch" == x86 && "$x86_runnable" == 0 ]]; then
        note "$(printf '%-18s installed-load and stack checks NOT RUN (%s)' "$preset" "$x86_reason")"
        continue
      fi
      loader="build/mingw-$arch/tests/x86/opensslp_installed_load.exe"
      if [[ -f "$loader" ]]; then
        version=$(sed -n 's/^project(opensslp VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
        if (cd "$(dirname "$loader")" && OPENSSLP_WINE_SYSTEM_DLLS="$root/$dll" "$root/cmake/wine-run.sh" "./$(basename "$loader")" "$version"); then
          total_passed=$((total_passed + 1))
        else
          problem "$preset: the installed release DLL did not load or its VERSIONINFO is wrong"
        fi
      fi
      checker="build/mingw-$arch/tests/x86/opensslp_stack_check.exe"
      if [[ "$arch" == x86 && -f "$checker" ]]; then
        if "$root/cmake/wine-run.sh" "$checker" "Z:$root/$dll" >"build/$preset/stack_check.log" 2>&1; then
          total_passed=$((total_passed + 1))
          note "$(printf '%-18s %s' "$preset" "$(tail -n 1 "build/$preset/stack_check.log")")"
        else
          cat "build/$preset/stack_check.log"
          problem "$preset: stack check failed (build/$preset/stack_check.log)"
        fi
      fi
    done

    # The MSI (tests/installer/msi_test.sh, docs/building.md#the-msi): both release DLLs with the
    # registration tool and the self-tests, signed with a throwaway certificate, installed and
    # removed silently under Wine (msiexec /i, /x), registration checked in the registry.
    if [[ -f build/mingw-x64-release/opensslp.dll && -f build/mingw-x86-release/opensslp.dll ]]; then
      say "MSI (wixl, osslsigncode, msiexec under Wine)"
      t0=$SECONDS
      if bash tests/installer/msi_test.sh build/mingw-x64-release build/mingw-x86-release >build/msi_test.log 2>&1; then
        total_passed=$((total_passed + 1))
        note "$(printf '%-18s %s (%s)' msi "$(tail -n 1 build/msi_test.log)" "$(elapsed $((SECONDS - t0)))")"
      else
        cat build/msi_test.log
        problem "msi: $(tail -n 1 build/msi_test.log) (build/msi_test.log)"
      fi
    fi
  fi
fi

# Test names of a GoogleTest executable, one `Suite.Test` a line.
list_tests() { # command...
  "$@" --gtest_list_tests 2>/dev/null | tr -d '\r' |
    awk '/^[^ ]/ { suite = $1; next } /^  [^ ]/ { print suite $1 }' | sort
}

# Lines of `list` (Suite.Test) that are platform-only for `platform` and `exe`.
platform_only() { # platform exe listfile
  local platform="$1" exe="$2" listfile="$3" p e pattern reason name
  [[ -f tests/platform_only.txt ]] || return 0
  while read -r p e reason; do
    [[ -z "$p" || "$p" == \#* ]] && continue
    [[ "$p" == "$platform" && "${e%%:*}" == "$exe" ]] || continue
    pattern="${e#*:}"
    while IFS= read -r name; do
      # shellcheck disable=SC2053  # the entry is a glob pattern on purpose
      [[ "$name" == $pattern ]] && echo "$name"
    done <"$listfile"
  done <tests/platform_only.txt | sort -u
}

# Sanity of tests/platform_only.txt: known platform, known executable, a reason.
while read -r p e reason; do
  [[ -z "$p" || "$p" == \#* ]] && continue
  if [[ "$p" != linux && "$p" != windows ]] || [[ "$e" != opensslp_*_tests:* ]] || [[ -z "$reason" ]]; then
    problem "tests/platform_only.txt: malformed entry: $p $e $reason"
  fi
done < <(cat tests/platform_only.txt 2>/dev/null)

if (( ${#windows_ok[@]} )) && [[ -d build/default ]]; then
  tmp=$(mktemp -d)
  for arch in "${windows_ok[@]}"; do
    win_build="build/mingw-$arch"
    say "Windows ($arch)/Linux test parity"
    for exe_path in opensslp_unit_tests opensslp_abi_tests interop/opensslp_interop_tests; do
      exe="${exe_path##*/}"
      linux_exe="build/default/tests/$exe_path"
      win_exe="$win_build/tests/$exe_path.exe"
      if [[ ! -x "$linux_exe" || ! -f "$win_exe" ]]; then
        problem "parity $arch $exe: executable missing ($linux_exe / $win_exe)"; continue
      fi
      list_tests "$linux_exe" >"$tmp/linux"
      (cd "$win_build/tests" && list_tests "$root/cmake/wine-run.sh" "./$exe_path.exe") >"$tmp/windows"
      platform_only linux "$exe" "$tmp/linux" >"$tmp/linux_only"
      platform_only windows "$exe" "$tmp/windows" >"$tmp/windows_only"
      comm -23 "$tmp/linux" "$tmp/linux_only" >"$tmp/linux_common"
      comm -23 "$tmp/windows" "$tmp/windows_only" >"$tmp/windows_common"
      n_linux=$(wc -l <"$tmp/linux"); n_windows=$(wc -l <"$tmp/windows")
      n_lo=$(wc -l <"$tmp/linux_only"); n_wo=$(wc -l <"$tmp/windows_only")
      ok=1
      if (( n_linux == 0 )); then ok=0; echo "parity $arch $exe: no tests listed on Linux"; fi
      if ! diff -u "$tmp/linux_common" "$tmp/windows_common" >"$tmp/diff"; then
        ok=0
        echo "parity $arch $exe: test names differ (- Linux only, + Windows only); list them in tests/platform_only.txt if intended:"
        grep -E '^[-+][^-+]' "$tmp/diff" | head -n 50
      fi
      # Tests actually run (from the XML reports): Wine must have run the Linux number minus the
      # Linux-only tests plus the Windows-only ones.
      lx="build/default/tests/gtest-results/$exe.xml"; wx="$win_build/tests/gtest-results/$exe.xml"
      if [[ -f "$lx" && -f "$wx" ]]; then
        ran_linux=$(( $(xml_attr "$lx" tests) - $(xml_attr "$lx" disabled) ))
        ran_windows=$(( $(xml_attr "$wx" tests) - $(xml_attr "$wx" disabled) ))
        expected=$((ran_linux - n_lo + n_wo))
        echo "parity $arch $exe: Linux ran $ran_linux, Wine ran $ran_windows, platform-only: $n_lo Linux, $n_wo Windows; expected under Wine: $expected"
        (( ran_windows == expected )) || ok=0
      else
        ok=0; echo "parity $arch $exe: missing XML report ($lx or $wx)"
      fi
      if (( ok )); then
        total_passed=$((total_passed + 1))
        note "$(printf '%-18s %s: %d Linux / %d Windows test names, %d Linux-only, %d Windows-only; %d run under Wine: identical' "parity $arch" "$exe" "$n_linux" "$n_windows" "$n_lo" "$n_wo" "$ran_windows")"
      else
        problem "parity $arch $exe: Windows tests differ from Linux tests (see above)"
      fi
    done
  done
  rm -rf "$tmp"
elif [[ "$skip_windows" != 1 ]]; then
  problem "parity: not checked (Windows or default build missing)"
fi

# ---- summary -----------------------------------------------------------------------------------
say "summary ($(elapsed $((SECONDS - t_start))) total)"
for line in "${summary[@]}"; do echo "  $line"; done
if (( ${#problems[@]} )); then
  echo "  FAILURES:"
  for line in "${problems[@]}"; do echo "    $line"; done
fi
echo "$total_passed passed, $total_failed failed"
(( total_failed == 0 ))
