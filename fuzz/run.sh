#!/usr/bin/env bash
# Runs opensslp's libFuzzer targets (docs/testing.md#fuzzing).
#
#   fuzz/run.sh [--seconds N] [--runs R] [--jobs J] [--merge] [--libfuzzer FLAG]... [TARGET...]
#
# Builds the `fuzz` preset if needed (clang -O1, ASan+UBSan+libFuzzer), then for each target
# (default: all, as listed in build/fuzz/fuzz_targets.txt): replays its seed corpus
# fuzz/corpus/<target>/ (every input once), then fuzzes for N seconds (default 10) starting from a
# copy of the corpus; with --runs, until R executions (libFuzzer's -runs; --seconds then only
# bounds it, default none). --libfuzzer passes one more libFuzzer flag (e.g. -entropic=0).
# New inputs stay in the copy unless --merge is given, which merges them (minimised) into
# fuzz/corpus/<target>/. A crash, leak, timeout or oracle failure stops with the input saved under
# build/fuzz/artifacts/<target>/ and a non-zero exit. Last line: `fuzz: N targets, E executions,
# F failed`. For long runs: fuzz/run.sh --runs 10000000 TARGET (docs/testing.md#fuzzing).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds=""
runs=""
jobs=1
merge=0
extra=()
targets=()
while (( $# )); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --libfuzzer) extra+=("$2"); shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ -n "$seconds" || -n "$runs" ]] || seconds=10

if [[ ! -f build/fuzz/fuzz_targets.txt ]] || ! cmake --build build/fuzz --parallel "${OPENSSLP_JOBS:-2}" >/dev/null; then
  cmake --preset fuzz >/dev/null && cmake --build build/fuzz --parallel "${OPENSSLP_JOBS:-2}" || {
    echo "fuzz: building the fuzz preset failed"; exit 1; }
fi
(( ${#targets[@]} )) || read -r -a targets <build/fuzz/fuzz_targets.txt

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
total=0
failed=0
for name in "${targets[@]}"; do
  exe="build/fuzz/fuzz/fuzz_$name"
  corpus="fuzz/corpus/$name"
  artifacts="build/fuzz/artifacts/$name"
  mkdir -p "$artifacts"
  if [[ ! -x "$exe" || ! -d "$corpus" ]]; then
    echo "fuzz $name: FAILED: $exe or $corpus missing"; failed=$((failed + 1)); continue
  fi
  if ! "$exe" -runs=0 -artifact_prefix="$artifacts/" "$corpus" >"$artifacts/replay.log" 2>&1; then
    tail -n 30 "$artifacts/replay.log"
    echo "fuzz $name: FAILED replaying the seed corpus ($artifacts/replay.log)"; failed=$((failed + 1)); continue
  fi
  work=$(mktemp -d)
  cp "$corpus"/* "$work/" 2>/dev/null || true
  before=$(ls "$work" | wc -l)
  args=(-timeout=25 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}")
  [[ -z "$seconds" ]] || args+=(-max_total_time="$seconds")
  [[ -z "$runs" ]] || args+=(-runs="$runs")
  if (( jobs > 1 )); then args+=(-fork="$jobs"); fi
  started=$SECONDS
  if "$exe" "${args[@]}" "$work" >"$artifacts/run.log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/run.log" | tail -n 1)
    # With --jobs (libFuzzer's -fork) there is no final stat line: its progress lines `#N: cov: ...`
    # count the executions of every job.
    [[ -n "$execs" ]] || execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$artifacts/run.log" | tail -n 1)
    execs=${execs:-0}
    total=$((total + execs))
    after=$(ls "$work" | wc -l)
    echo "fuzz $name: ok, $execs executions in $((SECONDS - started))s, corpus $before -> $after inputs"
    if (( merge )); then
      "$exe" -merge=1 "$corpus" "$work" >>"$artifacts/run.log" 2>&1
      echo "fuzz $name: merged into $corpus ($(ls "$corpus" | wc -l) inputs)"
    fi
  else
    grep -E "ERROR|fuzz oracle|SUMMARY|Test unit written" "$artifacts/run.log" | head -n 10
    echo "fuzz $name: FAILED ($artifacts/run.log)"; failed=$((failed + 1))
  fi
  rm -rf "$work"
done
echo "fuzz: ${#targets[@]} targets, $total executions, $failed failed"
(( failed == 0 ))
