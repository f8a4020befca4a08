#!/usr/bin/env bash
# expect_memcheck_error.sh SELF_TEST VALGRIND [valgrind args...] TEST_EXE
# Runs one self-test of tests/ct/ct_memcheck_test.cpp (deliberately leaky code) under memcheck and
# succeeds only if memcheck reported an uninitialised-value error inside the leaky function and
# valgrind exited non-zero: the proof that the harness can fail (docs/constant-time.md).
set -uo pipefail
self_test=$1
shift
exe=${*: -1}
declare -A frame=([branch]=LeakyBranchCompare [index]=LeakyIndexLookup [verdict]="CbcHmacContext::Open")
declare -A kind=([branch]="Conditional jump or move depends on uninitialised value"
                 [index]="Use of uninitialised value of size"
                 [verdict]="Conditional jump or move depends on uninitialised value")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${@:1:$#-1}" "$exe" "--self-test=$self_test" >"$log" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
  cat "$log"
  echo "FAIL: self-test $self_test: valgrind exited 0: memcheck did not see the leak"
  exit 1
fi
# The first error's report: its kind line and the stack below it, up to the blank line.
if ! awk -v kind="${kind[$self_test]}" -v frame="${frame[$self_test]}" '
       index($0, kind) { inside = 1; next }
       inside && /^==[0-9]+== *$/ { inside = 0 }
       inside && index($0, frame) { found = 1 }
       END { exit found ? 0 : 1 }' "$log"; then
  cat "$log"
  echo "FAIL: self-test $self_test: no \"${kind[$self_test]}\" report in ${frame[$self_test]}"
  exit 1
fi
echo "ok: self-test $self_test: memcheck reported \"${kind[$self_test]}\" in ${frame[$self_test]} (exit $rc)"
