#!/usr/bin/env bash
# Runs a command if a file it depends on exists; otherwise exits 77 (ctest's SKIP_RETURN_CODE).
#   cmake/run-if-present.sh FILE command [args...]
# Used by opensslp_xarch_blob (tests/CMakeLists.txt), whose peer is another preset's build tree.
# Also exits 77, with the reason on stdout, when FILE or an argument of the command is a 32-bit x86
# Windows program and this machine cannot execute 32-bit x86 programs (tests/support/x86_runnable.sh;
# OPENSSLP_X86_RUNNABLE=0 from tools/test.sh, else probed): it could only fail there.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: run-if-present.sh FILE command [args...]" >&2; exit 2; }
if [[ ! -f "$1" ]]; then
  echo "run-if-present: $1 does not exist (build the other Windows preset first); skipped" >&2
  exit 77
fi

# shellcheck source=pe-machine.sh
source "$(dirname "${BASH_SOURCE[0]}")/pe-machine.sh"
# shellcheck source=../tests/support/x86_runnable.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/support/x86_runnable.sh"
for f in "$@"; do
  [[ "$f" == *.exe || "$f" == *.dll ]] || continue
  if [[ "$(pe_machine "$f")" == 014c ]] && ! x86_runnable; then
    echo "run-if-present: skipped: $f is a 32-bit x86 program and $X86_SKIP_REASON"
    exit 77
  fi
done
shift
exec "$@"
