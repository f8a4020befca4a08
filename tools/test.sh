#!/usr/bin/env bash
# Runs every opensslp test, on Linux and on Windows (mingw-w64 build under Wine):
#
#   1. installs what is missing (tools/install-deps.sh --windows; apt-get only)
#   2. presets default, asan (ASan+UBSan), tsan: configure, build, ctest
#   3. OpenSSL's static libcrypto for mingw (tools/build-openssl-mingw.sh; cached in $OPENSSLP_CACHE,
#      default ~/.cache/opensslp; .ci/run empties it so CI proves the fetch and build every time)
#   4. preset mingw-x64: configure, build, ctest (test executables run under Wine; DLL import and
#      export checks)
#   5. Windows/Linux parity: the test names of the Windows executables equal the Linux ones, less
#      the platform-only tests of tests/platform_only.txt, and Wine ran that many tests
#
# Prints a summary and ends with the line `N passed, N failed` (individual GoogleTest cases plus the
# other ctest checks, over all runs); exits non-zero on any failure.
# Build trees are build/<preset> and are reused. Environment:
#   OPENSSLP_JOBS      parallel build jobs (default 2)
#   OPENSSLP_PRESETS   Linux presets to run (default "default asan tsan")
#   OPENSSLP_SKIP_WINDOWS=1   skip steps 3-5
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${OPENSSLP_JOBS:-2}"
linux_presets="${OPENSSLP_PRESETS:-default asan tsan}"
skip_windows="${OPENSSLP_SKIP_WINDOWS:-0}"
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
    else
      f=$((f + 1)); problems+=("$preset: $name: $status")
    fi
  done <"$log"
  if (( rc != 0 && f == 0 )); then
    f=1; problems+=("$preset: ctest exited with $rc")
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  note "$(printf '%-10s %4d passed, %d failed, %d skipped   (ctest %s)' "$preset" "$p" "$f" "$s" "$(elapsed $((SECONDS - t0)))")"
  return 0
}

build_preset() { # preset -> 0 when configured and built
  local preset="$1" t0=$SECONDS
  say "configure + build preset $preset"
  if ! cmake --preset "$preset"; then problem "$preset: configure failed"; return 1; fi
  if ! cmake --build --preset "$preset" --parallel "$jobs"; then problem "$preset: build failed"; return 1; fi
  note "$(printf '%-10s built in %s' "$preset" "$(elapsed $((SECONDS - t0)))")"
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

# ---- 2. Linux presets --------------------------------------------------------------------------
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}"
for preset in $linux_presets; do
  if build_preset "$preset"; then
    say "ctest preset $preset"
    run_ctest "$preset"
  fi
done

# ---- 3-5. Windows ------------------------------------------------------------------------------
windows_ok=0
if [[ "$skip_windows" != 1 ]]; then
  say "OpenSSL for mingw (cache: ${OPENSSLP_CACHE:-$HOME/.cache/opensslp})"
  t0=$SECONDS
  openssl_log=$(mktemp)
  openssl_ok=0
  openssl_prefix=$(bash tools/build-openssl-mingw.sh 2>"$openssl_log") && openssl_ok=1
  cat "$openssl_log" >&2
  if (( openssl_ok )); then
    note "$(printf '%-10s %s (%s)' openssl "$openssl_prefix" "$(elapsed $((SECONDS - t0)))")"
    if build_preset mingw-x64; then
      say "ctest preset mingw-x64 (Wine)"
      run_ctest mingw-x64
      windows_ok=1
      dll="build/mingw-x64/opensslp.dll"
      imports=$(x86_64-w64-mingw32-objdump -p "$dll" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '\n' ' ')
      note "$(printf '%-10s opensslp.dll imports: %s' mingw-x64 "$imports")"
    fi
  else
    # The script's last line says which step failed and why.
    problem "OpenSSL for mingw: tools/build-openssl-mingw.sh failed: $(grep '^build-openssl-mingw:' "$openssl_log" | tail -n 1)"
  fi
  rm -f "$openssl_log"
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

if (( windows_ok )) && [[ -d build/default ]]; then
  say "Windows/Linux test parity"
  tmp=$(mktemp -d)
  for exe_path in opensslp_unit_tests opensslp_abi_tests interop/opensslp_interop_tests; do
    exe="${exe_path##*/}"
    linux_exe="build/default/tests/$exe_path"
    win_exe="build/mingw-x64/tests/$exe_path.exe"
    if [[ ! -x "$linux_exe" || ! -f "$win_exe" ]]; then
      problem "parity $exe: executable missing ($linux_exe / $win_exe)"; continue
    fi
    list_tests "$linux_exe" >"$tmp/linux"
    (cd build/mingw-x64/tests && list_tests "$root/cmake/wine-run.sh" "./$exe_path.exe") >"$tmp/windows"
    platform_only linux "$exe" "$tmp/linux" >"$tmp/linux_only"
    platform_only windows "$exe" "$tmp/windows" >"$tmp/windows_only"
    comm -23 "$tmp/linux" "$tmp/linux_only" >"$tmp/linux_common"
    comm -23 "$tmp/windows" "$tmp/windows_only" >"$tmp/windows_common"
    n_linux=$(wc -l <"$tmp/linux"); n_windows=$(wc -l <"$tmp/windows")
    n_lo=$(wc -l <"$tmp/linux_only"); n_wo=$(wc -l <"$tmp/windows_only")
    ok=1
    if (( n_linux == 0 )); then ok=0; echo "parity $exe: no tests listed on Linux"; fi
    if ! diff -u "$tmp/linux_common" "$tmp/windows_common" >"$tmp/diff"; then
      ok=0
      echo "parity $exe: test names differ (- Linux only, + Windows only); list them in tests/platform_only.txt if intended:"
      grep -E '^[-+][^-+]' "$tmp/diff" | head -n 50
    fi
    # Tests actually run (from the XML reports): Wine must have run the Linux number minus the
    # Linux-only tests plus the Windows-only ones.
    lx="build/default/tests/gtest-results/$exe.xml"; wx="build/mingw-x64/tests/gtest-results/$exe.xml"
    if [[ -f "$lx" && -f "$wx" ]]; then
      ran_linux=$(( $(xml_attr "$lx" tests) - $(xml_attr "$lx" disabled) ))
      ran_windows=$(( $(xml_attr "$wx" tests) - $(xml_attr "$wx" disabled) ))
      expected=$((ran_linux - n_lo + n_wo))
      echo "parity $exe: Linux ran $ran_linux, Wine ran $ran_windows, platform-only: $n_lo Linux, $n_wo Windows; expected under Wine: $expected"
      (( ran_windows == expected )) || ok=0
    else
      ok=0; echo "parity $exe: missing XML report ($lx or $wx)"
    fi
    if (( ok )); then
      total_passed=$((total_passed + 1))
      note "$(printf '%-10s %s: %d Linux / %d Windows test names, %d Linux-only, %d Windows-only: identical' parity "$exe" "$n_linux" "$n_windows" "$n_lo" "$n_wo")"
    else
      problem "parity $exe: Windows tests differ from Linux tests (see above)"
    fi
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
