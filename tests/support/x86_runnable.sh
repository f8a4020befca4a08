# shellcheck shell=bash
# Sourced by the test scripts that run 32-bit (x86) Windows programs under Wine (WoW64):
#
#   source tests/support/x86_runnable.sh
#   if x86_runnable; then ...run the 32-bit check...; else echo "SKIP: ... ($X86_SKIP_REASON)"; fi
#
# x86_runnable returns 0 when this machine can run 32-bit x86 Windows programs under Wine, 1 when it
# cannot, and prints 1 or 0 accordingly with --print. Some kernels cannot execute 32-bit x86
# programs at all (no IA-32 emulation: Wine's 32-bit loader fails with "Exec format error"); a Wine
# prefix made there has an empty syswow64 and no 32-bit process starts in it, so every check that
# needs one can only be skipped, never passed.
#
# OPENSSLP_X86_RUNNABLE=1 or 0 (tools/test.sh exports it) is taken as given; when unset, the 32-bit
# Wine loader is probed once: /usr/lib/wine/wine --version must run (a missing or non-executable
# loader counts as "cannot run"; X86_SKIP_REASON then says which). The answer is cached in
# OPENSSLP_X86_RUNNABLE for the caller and anything it starts.
# shellcheck disable=SC2034  # used by the scripts that source this file
X86_SKIP_REASON="this machine cannot execute 32-bit x86 programs"

# shellcheck disable=SC2120  # the argument is optional
x86_runnable() {
  if [[ "${OPENSSLP_X86_RUNNABLE:-}" != 0 && "${OPENSSLP_X86_RUNNABLE:-}" != 1 ]]; then
    if /usr/lib/wine/wine --version >/dev/null 2>&1; then
      OPENSSLP_X86_RUNNABLE=1
    else
      OPENSSLP_X86_RUNNABLE=0
      # shellcheck disable=SC2034
      [[ -e /usr/lib/wine/wine ]] ||
        X86_SKIP_REASON="32-bit Wine is not installed here: no /usr/lib/wine/wine (tools/install-deps.sh --windows)"
    fi
    export OPENSSLP_X86_RUNNABLE
  fi
  [[ "${1:-}" == --print ]] && echo "$OPENSSLP_X86_RUNNABLE"
  [[ "$OPENSSLP_X86_RUNNABLE" == 1 ]]
}
