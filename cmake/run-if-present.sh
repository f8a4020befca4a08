#!/usr/bin/env bash
# Runs a command if a file it depends on exists; otherwise exits 77 (ctest's SKIP_RETURN_CODE).
#   cmake/run-if-present.sh FILE command [args...]
# Used by opensslp_xarch_blob (tests/CMakeLists.txt), whose peer is another preset's build tree.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: run-if-present.sh FILE command [args...]" >&2; exit 2; }
if [[ ! -f "$1" ]]; then
  echo "run-if-present: $1 does not exist (build the other Windows preset first); skipped" >&2
  exit 77
fi
shift
exec "$@"
