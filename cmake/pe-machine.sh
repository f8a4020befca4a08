# pe-machine.sh - sourced by cmake/wine-run.sh and cmake/run-if-present.sh.
# pe_machine FILE prints the PE machine field of FILE: 014c (i386), 8664 (x86-64), or nothing if
# FILE is not a PE file (the field is at the PE header's offset, read from 0x3C, plus 4).
pe_machine() {
  [[ -f "$1" ]] || return 0
  local off
  off=$(od -An -tu4 -j60 -N4 "$1" 2>/dev/null | tr -d ' ') || return 0
  [[ -n "$off" ]] || return 0
  od -An -tx2 -j$((off + 4)) -N2 "$1" 2>/dev/null | tr -d ' ' || true
}
