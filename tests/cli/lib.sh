# lib.sh - what the CLI test scripts share: a work directory removed at exit with the processes
# they started, PASS/FAIL counting, a free loopback port, waiting for a line in a file.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   (sets $work, $pids, $failures; cd "$work")
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

free_port() {  # a port nothing listens on, from the ephemeral range
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo 0
}

wait_for() {  # wait_for FILE PATTERN: up to 10 s for a line matching PATTERN
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
