#!/usr/bin/env bash
# The registration tool under Wine (registry/README.md, docs/windows.md#wine):
#
#   tests/registry/registry_test.sh X64_BUILD_DIR X86_BUILD_DIR
#
# Uses the x64 opensslp.dll, opensslp-register.exe and opensslp-selftest.exe of X64_BUILD_DIR and
# the x86 opensslp.dll and opensslp-selftest.exe of X86_BUILD_DIR, in the installed layout
# (System32, SysWOW64, Program Files\OpenSSLP, Program Files\OpenSSLP\x86) of a Wine prefix of its
# own ($OPENSSLP_CACHE/wine-prefix-system; the MSI test uses it too, both under its lock), seeded
# with a Windows-like configuration: Microsoft's provider registered, a local suite order of four
# suites (one opensslp does not implement), TLS_AES_128_GCM_SHA256 routed to Microsoft's provider.
#
# Wine's bcrypt writes nothing for the CNG configuration functions and aborts in the enumerating
# ones, so the tool's registry writes are tested through --dry-run and the Wine-only
# --wine-direct-registry mode, and the result is checked the way ncrypt.dll resolves a provider:
# Providers\<name>\UM\Image read from the registry, <system directory>\<Image> loaded by a 64-bit
# and by a 32-bit process, GetSChannelInterface, open by name, one key exchange and record each way
# (opensslp-selftest.exe --resolve) -- with negative controls (a full path in Image, the x86 DLL
# missing from SysWOW64, an x64 DLL in SysWOW64). Never the tool's word alone: every check reads
# the registry or runs the resolution. The command-line tool (X64_BUILD_DIR/tools/cli/opensslp.exe,
# installed next to the registration tool as the MSI does) must report the same registration in
# `opensslp.exe status`: not registered before install and after uninstall, the provider and the
# suites routed to it in between, the DLL copies, a Group Policy suite order.
#
# On a machine that cannot execute 32-bit x86 programs (tests/support/x86_runnable.sh; tools/test.sh
# exports OPENSSLP_X86_RUNNABLE) no 32-bit process can start in the prefix, whose syswow64 then
# stays empty: every check that needs one prints `SKIP: <check> (<reason>)` instead of running, the
# tool's install is run with --wine-no-wow64 (registry/README.md: it skips only a 32-bit self-test
# that cannot start at all), and the x64 checks, the files in syswow64 and what both status
# commands say about them are checked as always. Where 32-bit programs run, nothing is skipped.
#
# Prints one line per check and `registry test: N passed, M failed, K skipped`; exit 0 only if
# none failed, 77 (skipped) if an input is missing.
set -uo pipefail
# shellcheck source=../support/x86_runnable.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/x86_runnable.sh"

x64_build="${1:?usage: registry_test.sh X64_BUILD_DIR X86_BUILD_DIR}"
x86_build="${2:?usage: registry_test.sh X64_BUILD_DIR X86_BUILD_DIR}"
inputs=("$x64_build/opensslp.dll" "$x64_build/registry/opensslp-register.exe" "$x64_build/registry/opensslp-selftest.exe"
        "$x64_build/tools/cli/opensslp.exe" "$x86_build/opensslp.dll" "$x86_build/registry/opensslp-selftest.exe")
for f in "${inputs[@]}"; do
  [[ -f "$f" ]] || { echo "registry test: skipped: $f is missing (build both mingw presets)"; exit 77; }
done

cache="${OPENSSLP_CACHE:-$HOME/.cache/opensslp}"
export WINEPREFIX="$cache/wine-prefix-system"
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
unset DISPLAY
wine=/usr/lib/wine/wine64
[[ -x "$wine" ]] || wine="$(command -v wine64 || command -v wine)"
wineserver="$(dirname "$wine")/wineserver"
[[ -x "$wineserver" ]] || wineserver="$(command -v wineserver || echo true)"

mkdir -p "$cache"
exec 9>"$WINEPREFIX.lock"
flock 9
# Without 32-bit x86 the prefix can have no syswow64\kernel32.dll: it is not made anew for that.
if [[ ! -f "$WINEPREFIX/system.reg" ]] ||
   { x86_runnable && [[ ! -f "$WINEPREFIX/drive_c/windows/syswow64/kernel32.dll" ]]; }; then
  echo "registry test: creating Wine prefix $WINEPREFIX"
  rm -rf "$WINEPREFIX"
  "$wine" wineboot --init >/dev/null 2>&1
  "$wineserver" --wait
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
drive_c="$WINEPREFIX/drive_c"
system32="$drive_c/windows/system32"
syswow64="$drive_c/windows/syswow64"
tool_dir="$drive_c/Program Files/OpenSSLP"
tool='C:\Program Files\OpenSSLP\opensslp-register.exe'
selftest64='C:\Program Files\OpenSSLP\opensslp-selftest.exe'
selftest32='C:\Program Files\OpenSSLP\x86\opensslp-selftest.exe'
cli='C:\Program Files\OpenSSLP\opensslp.exe'
crypto='HKLM\SYSTEM\CurrentControlSet\Control\Cryptography'
provider_key="$crypto\\Providers\\OpenSSLP Protocol Provider"
ssl_key="$crypto\\Configuration\\Local\\SSL\\00010002"
record_key='HKLM\SOFTWARE\OpenSSLP'
lsa_key='HKLM\SYSTEM\CurrentControlSet\Control\Lsa'
policy_key='HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002'

passed=0
failed=0
skipped=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $1 ($X86_SKIP_REASON)"; skipped=$((skipped + 1)); }
# The install options: where no 32-bit process can start, --wine-no-wow64 (the tool skips only the
# SysWOW64 self-test, and only because it cannot start; it says so); elsewhere none.
x64only=()
if x86_runnable; then
  echo "registry test: 32-bit x86 programs run here: every check runs"
else
  echo "registry test: $X86_SKIP_REASON: the checks that need a 32-bit process are skipped, install runs with --wine-no-wow64"
  x64only=(--wine-no-wow64)
fi
check() { # description, command...
  local what="$1"; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

# Runs a Windows program; its output (CR removed) in $out, its exit status in $rc.
# Runs a Windows program; its output (CR removed) in $out, its exit status in $rc.
run() {
  "$wine" "$@" >"$tmp/out" 2>&1
  rc=$?
  out=$(tr -d '\r' <"$tmp/out")
}
reg() { "$wine" reg "$@" >/dev/null 2>&1; }
# The data of a registry value as `wine reg query` prints it (REG_MULTI_SZ entries joined by \0).
regval() { # key value
  "$wine" reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^ *$2 *REG_[A-Z_]* *//p"
}
export_config() { # file: the Cryptography tree and our record, as .reg text
  "$wine" reg export "$crypto" "$tmp/a.reg" /y >/dev/null 2>&1 || : >"$tmp/a.reg"
  "$wine" reg export "$record_key" "$tmp/b.reg" /y >/dev/null 2>&1 || : >"$tmp/b.reg"
  cat "$tmp/a.reg" "$tmp/b.reg" >"$1"
}
has() { grep -qF -- "$2" <<<"$1"; }
# `opensslp.exe status`: its output with runs of blanks squeezed (the names are padded) in $out.
cli_status() {
  run "$cli" status
  out=$(tr -s ' ' <<<"$out")
}

install_files() {
  mkdir -p "$tool_dir/x86"
  cp "$x64_build/opensslp.dll" "$system32/opensslp.dll"
  cp "$x86_build/opensslp.dll" "$syswow64/opensslp.dll"
  cp "$x64_build/registry/opensslp-register.exe" "$x64_build/registry/opensslp-selftest.exe" "$tool_dir/"
  cp "$x64_build/tools/cli/opensslp.exe" "$tool_dir/"  # without a DLL beside it: loads System32's
  cp "$x86_build/registry/opensslp-selftest.exe" "$tool_dir/x86/"
}
remove_files() {
  rm -f "$system32/opensslp.dll" "$syswow64/opensslp.dll"
  rm -rf "$tool_dir"
}

# A configuration shaped like Windows': Microsoft's provider and a short local suite order.
seed() {
  reg delete "$crypto" /f
  reg delete "$record_key" /f
  reg delete "$lsa_key" /v RunAsPPL /f
  reg delete "$policy_key" /v Functions /f
  reg add "$crypto\\Providers\\Microsoft SSL Protocol Provider\\UM" /v Image /t REG_SZ /d ncryptsslp.dll /f
  reg add "$crypto\\Providers\\Microsoft SSL Protocol Provider\\UM\\00010002" /v Functions /t REG_MULTI_SZ \
    /d 'TLS_AES_256_GCM_SHA384\0TLS_AES_128_GCM_SHA256\0TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\0TLS_RSA_WITH_3DES_EDE_CBC_SHA' /f
  reg add "$ssl_key" /v Functions /t REG_MULTI_SZ \
    /d 'TLS_AES_256_GCM_SHA384\0TLS_AES_128_GCM_SHA256\0TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\0TLS_RSA_WITH_3DES_EDE_CBC_SHA' /f
  reg add "$ssl_key\\TLS_AES_128_GCM_SHA256" /v Providers /t REG_MULTI_SZ /d 'Microsoft SSL Protocol Provider' /f
}

remove_files
seed
install_files
export_config "$tmp/baseline.reg"
unchanged() { export_config "$tmp/now.reg"; cmp -s "$tmp/baseline.reg" "$tmp/now.reg"; }

# ---- the self-test programs, without any registration ---------------------------------------------
run "$selftest64"
check "x64 self-test loads System32\\opensslp.dll and works" test "$rc" = 0 -a -n "$(has "$out" 'selftest: ok' && echo y)"
suites=$(sed -n 's/^suite //p' <<<"$out")
n_suites=$(grep -c . <<<"$suites")
if x86_runnable; then
  run "$selftest32"
  check "x86 self-test loads SysWOW64\\opensslp.dll and works (32-bit)" \
    test "$rc" = 0 -a -n "$(has "$out" 'selftest: ok' && has "$out" '32-bit' && echo y)"
  check "the x86 DLL enumerates the same $n_suites suites" test "$(sed -n 's/^suite //p' <<<"$out")" = "$suites"
else
  skip "x86 self-test loads SysWOW64\\opensslp.dll and works (32-bit)"
  skip "the x86 DLL enumerates the same suites"
fi
check "the TLS 1.3 and ChaCha20 suites are among them" \
  test -n "$(grep -x TLS_AES_128_GCM_SHA256 <<<"$suites" && grep -x TLS_CHACHA20_POLY1305_SHA256 <<<"$suites")"

# ---- usage and refusals --------------------------------------------------------------------------
run "$tool" --help
check "--help exits 0 and shows the commands" test "$rc" = 0 -a -n "$(has "$out" 'uninstall' && echo y)"
run "$tool"
check "no command: usage, exit 2" test "$rc" = 2
run "$tool" install --priority sideways
check "--priority sideways: exit 2" test "$rc" = 2
run "$tool" install --suites TLS_NOT_A_SUITE --wine-direct-registry "${x64only[@]}"
check "--suites naming a suite opensslp does not implement: exit 2, nothing written" \
  test "$rc" = 2 -a -n "$(has "$out" 'does not implement TLS_NOT_A_SUITE' && unchanged && echo y)"
run "$tool" status --suites TLS_AES_128_GCM_SHA256
check "--suites with status: exit 2" test "$rc" = 2
run "$tool" install
check "install under Wine without --wine-direct-registry: refused (3), names Wine, nothing written" \
  test "$rc" = 3 -a -n "$(has "$out" 'Wine' && unchanged && echo y)"
run "$tool" uninstall
check "uninstall under Wine without --wine-direct-registry: refused (3)" test "$rc" = 3
# --wine-no-wow64 tolerates only a 32-bit self-test that cannot start: a broken one still refuses.
mv "$tool_dir/x86/opensslp-selftest.exe" "$tmp/selftest32.exe"
printf 'MZ but not a program' >"$tool_dir/x86/opensslp-selftest.exe"
run "$tool" install --dry-run --wine-no-wow64
check "install --wine-no-wow64 with an x86 self-test that is not a program: refused (3), nothing written" \
  test "$rc" = 3 -a -n "$(has "$out" 'self-test SysWOW64: FAILED' && unchanged && echo y)"
mv "$tmp/selftest32.exe" "$tool_dir/x86/opensslp-selftest.exe"
if x86_runnable; then
  run "$tool" install --dry-run --wine-no-wow64
  check "install --wine-no-wow64 where 32-bit programs run: the x86 self-test still runs and passes" \
    test "$rc" = 0 -a -n "$(has "$out" 'self-test SysWOW64: ok' && unchanged && echo y)"
else
  skip "install --wine-no-wow64 where 32-bit programs run: the x86 self-test still runs and passes"
  # The other side, which only such a machine shows: without the option the tool refuses.
  run "$tool" install --dry-run
  check "no 32-bit x86 here: install without --wine-no-wow64 refuses (3), the SysWOW64 self-test could not start" \
    test "$rc" = 3 -a -n "$(has "$out" 'self-test SysWOW64: FAILED' && has "$out" 'could not start the process' && unchanged && echo y)"
  run "$tool" install --dry-run --wine-no-wow64
  check "no 32-bit x86 here: install --wine-no-wow64 says the SysWOW64 self-test was skipped, and why" \
    test "$rc" = 0 -a -n "$(has "$out" 'self-test System32: ok' && has "$out" 'self-test SysWOW64: skipped: this Wine prefix cannot run 32-bit programs' && unchanged && echo y)"
fi

# ---- status before ---------------------------------------------------------------------------------
run "$tool" status
check "status: not registered, both DLLs present with their architectures" \
  test "$rc" = 0 -a -n "$(has "$out" 'OpenSSLP Protocol Provider: not registered' && has "$out" 'system32\opensslp.dll: present (x64)' && has "$out" 'syswow64\opensslp.dll: present (x86)' && echo y)"
cli_status
check "opensslp.exe status: not registered, no suites routed, both DLLs present with their architectures" \
  test "$rc" = 0 -a -n "$(has "$out" 'registered: no: OpenSSLP Protocol Provider is not registered' &&
                          has "$out" 'suites routed: none' && has "$out" 'group policy: no SSL suite order policy' &&
                          has "$out" 'dll (x64): C:\windows\system32\opensslp.dll: present (x64)' &&
                          has "$out" 'dll (x86): C:\windows\syswow64\opensslp.dll: present (x86)' && echo y)"
[[ "$rc" == 0 ]] || echo "$out" | tail -n 20

# ---- --dry-run --------------------------------------------------------------------------------------
run "$tool" install --dry-run "${x64only[@]}"
dry="$out"
check "install --dry-run: exit 0, says nothing was changed, and nothing was" \
  test "$rc" = 0 -a -n "$(has "$dry" 'dry run: nothing was changed' && unchanged && echo y)"
check "dry run: BCryptRegisterProvider with UM Image opensslp.dll and the interface's Functions and Flags" \
  test -n "$(has "$dry" 'BCryptRegisterProvider("OpenSSLP Protocol Provider", CRYPT_OVERWRITE' &&
             has "$dry" 'Providers\OpenSSLP Protocol Provider\UM  Image = REG_SZ "opensslp.dll"' &&
             has "$dry" 'Providers\OpenSSLP Protocol Provider\UM\00010002  Functions = REG_MULTI_SZ ["TLS_' &&
             has "$dry" 'UM\00010002  Flags = REG_DWORD 0x00000001' && echo y)"
check "dry run: one BCryptAddContextFunctionProvider per suite ($n_suites)" \
  test "$(grep -c '^\[[0-9/]*\] BCryptAddContextFunctionProvider' <<<"$dry")" = "$n_suites"
# Three of the enumerated suites are already in the seeded order: they are not added again.
check "dry run: BCryptAddContextFunction only for the $((n_suites - 3)) suites not in the order yet" \
  test "$(grep -c '^\[[0-9/]*\] BCryptAddContextFunction(' <<<"$dry")" = "$((n_suites - 3))"
check "dry run: TLS_AES_128_GCM_SHA256 keeps Microsoft's provider first (priority bottom)" \
  has "$dry" 'SSL\00010002\TLS_AES_128_GCM_SHA256  Providers = REG_MULTI_SZ ["Microsoft SSL Protocol Provider", "OpenSSLP Protocol Provider"]'
check "dry run: the install record" has "$dry" 'HKLM\SOFTWARE\OpenSSLP\Registration  RoutedSuites = REG_MULTI_SZ'
run "$tool" uninstall --dry-run
check "uninstall --dry-run with nothing registered: nothing to remove, exit 0" \
  test "$rc" = 0 -a -n "$(has "$out" 'nothing to remove' && unchanged && echo y)"

# ---- install two suites at the top, then resolve as ncrypt does ------------------------------------
run "$tool" install --wine-direct-registry --suites TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256 --priority top "${x64only[@]}"
check "install --suites (2) --priority top: exit 0" test "$rc" = 0
[[ "$rc" == 0 ]] || echo "$out" | tail -n 20
check "registry: Providers\\OpenSSLP Protocol Provider\\UM Image = opensslp.dll" \
  test "$(regval "$provider_key\\UM" Image)" = opensslp.dll
check "registry: UM\\00010002 Functions = the two suites, Flags = 1" \
  test "$(regval "$provider_key\\UM\\00010002" Functions)" = 'TLS_AES_128_GCM_SHA256\0TLS_CHACHA20_POLY1305_SHA256' \
    -a "$(regval "$provider_key\\UM\\00010002" Flags)" = 0x1
check "registry: TLS_CHACHA20_POLY1305_SHA256 added at the top of the order, the rest kept" \
  test "$(regval "$ssl_key" Functions)" = 'TLS_CHACHA20_POLY1305_SHA256\0TLS_AES_256_GCM_SHA384\0TLS_AES_128_GCM_SHA256\0TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\0TLS_RSA_WITH_3DES_EDE_CBC_SHA'
check "registry: TLS_AES_128_GCM_SHA256 routed to opensslp first, Microsoft's provider second" \
  test "$(regval "$ssl_key\\TLS_AES_128_GCM_SHA256" Providers)" = 'OpenSSLP Protocol Provider\0Microsoft SSL Protocol Provider'
check "registry: TLS_CHACHA20_POLY1305_SHA256 routed to opensslp" \
  test "$(regval "$ssl_key\\TLS_CHACHA20_POLY1305_SHA256" Providers)" = 'OpenSSLP Protocol Provider'
check "registry: the record names the suite it added to the order" \
  test "$(regval "$record_key\\Registration" AddedSuites)" = 'TLS_CHACHA20_POLY1305_SHA256'
run "$selftest64" --resolve
check "resolution, 64-bit: Image read from the registry, System32 DLL loaded, opened by name, works" \
  test "$rc" = 0 -a -n "$(has "$out" 'resolved OpenSSLP Protocol Provider -> Image opensslp.dll' && has "$out" 'selftest: ok' && echo y)"
if x86_runnable; then
  run "$selftest32" --resolve
  check "resolution, 32-bit: the same registration finds the SysWOW64 DLL" \
    test "$rc" = 0 -a -n "$(has "$out" 'selftest: ok' && has "$out" '32-bit' && echo y)"
else
  skip "resolution, 32-bit: the same registration finds the SysWOW64 DLL"
fi
run "$selftest64" --resolve --provider 'openssLP protocol PROVIDER'
check "resolution by the name in another case" test "$rc" = 0
run "$tool" status
check "status: registered, 2 suites, TLS_AES_128_GCM_SHA256 routed to opensslp" \
  test -n "$(has "$out" 'OpenSSLP Protocol Provider: registered, UM image opensslp.dll, 2 suites' &&
             has "$out" 'suite     TLS_AES_128_GCM_SHA256: order 3, routed to OpenSSLP Protocol Provider' && echo y)"
cli_status
check "opensslp.exe status: registered, 2 suites, both routed to opensslp first (priority top)" \
  test "$rc" = 0 -a -n "$(has "$out" 'registered: yes: OpenSSLP Protocol Provider, UM image opensslp.dll, 2 suites' &&
                          has "$out" 'suites routed: 2 of 2 to OpenSSLP Protocol Provider (first in their provider list); priority top' &&
                          echo y)"

# ---- re-install with all suites at the bottom (replaces the first registration) -------------------
run "$tool" install --wine-direct-registry "${x64only[@]}"
check "re-install, all suites, priority bottom: exit 0" test "$rc" = 0
check "registry: UM\\00010002 Functions now lists all $n_suites suites" \
  test "$(regval "$provider_key\\UM\\00010002" Functions | sed 's/\\0/\n/g' | grep -c .)" = "$n_suites"
check "registry: TLS_AES_128_GCM_SHA256 back to Microsoft first, opensslp second" \
  test "$(regval "$ssl_key\\TLS_AES_128_GCM_SHA256" Providers)" = 'Microsoft SSL Protocol Provider\0OpenSSLP Protocol Provider'
check "registry: the order starts with the seeded suites again" \
  test "$(regval "$ssl_key" Functions | sed 's/\\0/\n/g' | head -n 4 | tr '\n' ' ')" = 'TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_RSA_WITH_3DES_EDE_CBC_SHA '
run "$tool" status
check "status: a suite only opensslp serves is routed to it; one Microsoft lists first is routed to Microsoft" \
  test -n "$(has "$out" 'TLS_CHACHA20_POLY1305_SHA256: order 5, routed to OpenSSLP Protocol Provider' &&
             has "$out" 'suite     TLS_AES_128_GCM_SHA256: order 2, routed to Microsoft SSL Protocol Provider' && echo y)"
cli_status
check "opensslp.exe status: all $n_suites suites, $((n_suites - 1)) routed to opensslp first, 1 behind Microsoft's provider" \
  test "$rc" = 0 -a -n "$(has "$out" "registered: yes: OpenSSLP Protocol Provider, UM image opensslp.dll, $n_suites suites" &&
                          has "$out" "suites routed: $((n_suites - 1)) of $n_suites to OpenSSLP Protocol Provider (first in their provider list), 1 behind another provider; priority bottom" &&
                          echo y)"
# A Group Policy suite order that lists two of opensslp's suites: both tools say it is in force.
reg add "$policy_key" /v Functions /t REG_SZ /d 'TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256' /f
run "$tool" status
check "status: a Group Policy order is in force and leaves out the other suites" \
  test -n "$(has "$out" 'policy    Group Policy SSL suite order is set (2 suites): it overrides the local order; not offered because the policy does not list them: ' && echo y)"
cli_status
check "opensslp.exe status: a Group Policy order is in force and leaves out $((n_suites - 2)) of opensslp's suites" \
  has "$out" "group policy: an SSL suite order policy overrides the local order (2 suites); it leaves out $((n_suites - 2)) of opensslp's suites (not offered)"
reg delete "$policy_key" /v Functions /f

# ---- uninstall restores the configuration exactly -------------------------------------------------
run "$tool" uninstall --wine-direct-registry
check "uninstall: exit 0" test "$rc" = 0
check "uninstall: the Cryptography tree is exactly as before install, the record is gone" unchanged
unchanged || diff <(iconv -f utf-16 -t utf-8 "$tmp/baseline.reg") <(iconv -f utf-16 -t utf-8 "$tmp/now.reg") | head -n 20
cli_status
check "opensslp.exe status after uninstall: not registered, no suites routed" \
  test "$rc" = 0 -a -n "$(has "$out" 'registered: no: OpenSSLP Protocol Provider is not registered' &&
                          has "$out" 'suites routed: none' && echo y)"
run "$selftest64" --resolve
check "after uninstall the name no longer resolves" test "$rc" = 1 -a -n "$(has "$out" 'has no Image value' && echo y)"
run "$tool" uninstall --wine-direct-registry
check "uninstall again: nothing to remove, exit 0" test "$rc" = 0 -a -n "$(has "$out" 'nothing to remove' && echo y)"

# ---- a registration by hand, without the record: uninstall takes our name off, leaves the order --
reg add "$provider_key\\UM" /v Image /t REG_SZ /d opensslp.dll /f
reg add "$ssl_key\\TLS_AES_128_GCM_SHA256" /v Providers /t REG_MULTI_SZ /d 'Microsoft SSL Protocol Provider\0OpenSSLP Protocol Provider' /f
run "$tool" uninstall --wine-direct-registry
check "uninstall without a record: exit 0, provider and route removed, order untouched" \
  test "$rc" = 0 -a -n "$(has "$out" 'no install record' && unchanged && echo y)"

# ---- negative controls for the resolution ------------------------------------------------------------
run "$tool" install --wine-direct-registry --suites TLS_AES_128_GCM_SHA256 "${x64only[@]}"
reg add "$provider_key\\UM" /v Image /t REG_SZ /d 'C:\windows\system32\opensslp.dll' /f
run "$selftest64" --resolve
check "negative control: a full path in Image does not load (it is appended to the system directory)" \
  test "$rc" = 1 -a -n "$(has "$out" 'FAILED: LoadLibraryExW' && echo y)"
reg add "$provider_key\\UM" /v Image /t REG_SZ /d opensslp.dll /f
run "$tool" uninstall --wine-direct-registry
check "(uninstall after the full-path control restores the baseline)" unchanged

rm -f "$syswow64/opensslp.dll"
if x86_runnable; then
  run "$selftest32" --resolve
  check "negative control: the x86 DLL missing from SysWOW64 - the 32-bit resolution fails" \
    test "$rc" = 1 -a -n "$(has "$out" 'FAILED' && echo y)"
  run "$tool" install --wine-direct-registry
  check "negative control: install refuses (3) when the SysWOW64 DLL is missing, writes nothing" \
    test "$rc" = 3 -a -n "$(has "$out" 'self-test SysWOW64: FAILED' && unchanged && echo y)"
else
  skip "negative control: the x86 DLL missing from SysWOW64 - the 32-bit resolution fails"
  skip "negative control: install refuses (3) when the SysWOW64 DLL is missing, writes nothing"
fi
run "$tool" status
check "status shows the SysWOW64 DLL missing" has "$out" 'syswow64\opensslp.dll: missing'
cli_status
check "opensslp.exe status shows the SysWOW64 DLL missing" has "$out" 'dll (x86): C:\windows\syswow64\opensslp.dll: missing'

cp "$x64_build/opensslp.dll" "$syswow64/opensslp.dll"
if x86_runnable; then
  run "$selftest32"
  check "negative control: an x64 DLL in SysWOW64 does not load in a 32-bit process" \
    test "$rc" = 1 -a -n "$(has "$out" 'FAILED: LoadLibraryExW' && echo y)"
else
  skip "negative control: an x64 DLL in SysWOW64 does not load in a 32-bit process"
fi
cli_status
check "opensslp.exe status shows the x64 DLL in SysWOW64 as the wrong architecture" \
  has "$out" 'dll (x86): C:\windows\syswow64\opensslp.dll: present (x64, expected x86)'
if x86_runnable; then
  run "$tool" install --wine-direct-registry
  check "negative control: install refuses (3) with an x64 DLL in SysWOW64, writes nothing" \
    test "$rc" = 3 -a -n "$(unchanged && echo y)"
else
  skip "negative control: install refuses (3) with an x64 DLL in SysWOW64, writes nothing"
fi
cp "$x86_build/opensslp.dll" "$syswow64/opensslp.dll"

printf 'MZ but not a DLL' >"$system32/opensslp.dll"
run "$tool" install --wine-direct-registry "${x64only[@]}"
check "negative control: install refuses (3) when the System32 DLL is not a working DLL" \
  test "$rc" = 3 -a -n "$(has "$out" 'self-test System32: FAILED' && unchanged && echo y)"
cp "$x64_build/opensslp.dll" "$system32/opensslp.dll"

# ---- LSA protection ------------------------------------------------------------------------------
reg add "$lsa_key" /v RunAsPPL /t REG_DWORD /d 2 /f
run "$tool" install --wine-direct-registry "${x64only[@]}"
check "RunAsPPL = 2 and an unsigned DLL: install refuses (3), explains, writes nothing" \
  test "$rc" = 3 -a -n "$(has "$out" 'LSA protection is on' && has "$out" 'signed by Microsoft' && has "$out" 'not signed' && unchanged && echo y)"
run "$tool" install --dry-run "${x64only[@]}"
check "RunAsPPL = 2: install --dry-run says it would refuse (exit 3)" \
  test "$rc" = 3 -a -n "$(has "$out" 'install would refuse' && unchanged && echo y)"
if command -v osslsigncode >/dev/null && command -v openssl >/dev/null; then
  # An Authenticode signature from an ordinary (here: throwaway, self-signed) certificate is not
  # what a protected lsass accepts.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=opensslp registry test" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
  if osslsigncode sign -certs "$tmp/cert.pem" -key "$tmp/key.pem" -h sha256 -in "$x64_build/opensslp.dll" \
       -out "$tmp/signed.dll" >/dev/null 2>&1; then
    cp "$tmp/signed.dll" "$system32/opensslp.dll"
    run "$tool" install --wine-direct-registry "${x64only[@]}"
    check "RunAsPPL = 2 and a DLL signed with an ordinary certificate: still refused (3)" \
      test "$rc" = 3 -a -n "$(has "$out" 'LSA protection is on' && unchanged && echo y)"
    cp "$x64_build/opensslp.dll" "$system32/opensslp.dll"
  else
    bad "osslsigncode could not sign the DLL for the signed-DLL case"
  fi
fi
reg add "$lsa_key" /v RunAsPPL /t REG_DWORD /d 0 /f
run "$tool" install --wine-direct-registry --suites TLS_CHACHA20_POLY1305_SHA256 "${x64only[@]}"
check "RunAsPPL = 0: install proceeds" test "$rc" = 0 -a -n "$(has "$out" 'LSA protection is off' && echo y)"
run "$tool" uninstall --wine-direct-registry
reg delete "$lsa_key" /v RunAsPPL /f
check "(and uninstall restores the baseline)" unchanged

remove_files
reg delete "$crypto" /f
reg delete "$record_key" /f
"$wineserver" --wait 2>/dev/null || true
if (( skipped )); then
  echo "registry test: skipped $skipped check(s) that need a 32-bit x86 process: $X86_SKIP_REASON"
fi
echo "registry test: $passed passed, $failed failed, $skipped skipped"
(( failed == 0 ))
