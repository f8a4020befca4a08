#!/usr/bin/env bash
# The MSI test: builds the signed MSI from the two release builds and installs and removes it under
# Wine.
#
#   tests/installer/msi_test.sh build/mingw-x64-release build/mingw-x86-release
#
# 1. A throwaway code-signing certificate (openssl req -x509, key under a passphrase, in a temp
#    directory); tools/build-msi.sh --sign-cert/--sign-key/--sign-pass; `osslsigncode verify` on the
#    MSI and on each binary taken out of its cabinet (msiinfo extract + gcab), and a negative
#    control: the same files do not verify against another (unrelated) certificate.
# 2. In a dedicated 64-bit Wine prefix, $OPENSSLP_CACHE/wine-prefix-system (default
#    ~/.cache/opensslp; not the wine-prefix the other tests use; made with `wineboot --init` if
#    missing), holding flock on $prefix.lock for the whole test (other tests use this prefix too):
#    a. two failing installations (negative controls: the custom action fails, so msiexec must
#       fail and leave nothing behind): without OPENSSLP_REGISTER_ARGS (opensslp-register.exe
#       refuses to register under Wine without --wine-direct-registry, exit 3) and with a suite
#       name opensslp does not implement (usage error, exit 2);
#    b. msiexec /i <msi> /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry: the five files in
#       place (identical to the packaged ones), the registration in the registry
#       (registry-contract.md), both installed self-tests pass with --resolve;
#    c. msiexec /x <msi> /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry: files and keys gone,
#       HKLM\SYSTEM\CurrentControlSet\Control\Cryptography exactly as before (reg export).
# On a machine that cannot execute 32-bit x86 programs (tests/support/x86_runnable.sh; tools/test.sh
# exports OPENSSLP_X86_RUNNABLE) the prefix has no WoW64 (an empty syswow64) and no 32-bit process
# starts: the checks that need one print `SKIP: <check> (<reason>)`, the installations pass
# --wine-no-wow64 to the tool as well (registry/README.md: it skips only a 32-bit self-test that
# cannot start at all; without it the tool refuses, which is checked as one more failing
# installation), and everything else -- all five files, syswow64's included, the registration,
# the x64 self-test, the removal -- is checked as always. Where 32-bit programs run, nothing is
# skipped and the tool gets no --wine-no-wow64.
# Prints "msi test: N passed, M failed, K skipped"; exit status 1 if anything failed, 2 on a usage
# error.
# Takes ~35 s (~20 s more when the prefix is made). A prefix without a local SSL suite order gets
# a small Windows-like one first (see below). Not tested: the major upgrade (docs/building.md).
set -uo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ $# -ne 2 ]]; then
  echo "usage: tests/installer/msi_test.sh X64_RELEASE_BUILD_DIR X86_RELEASE_BUILD_DIR" >&2
  exit 2
fi
x64_dir="$(cd "$1" 2>/dev/null && pwd)" || { echo "msi test: $1: no such directory" >&2; exit 2; }
x86_dir="$(cd "$2" 2>/dev/null && pwd)" || { echo "msi test: $2: no such directory" >&2; exit 2; }
# shellcheck source=../support/x86_runnable.sh
source "$src_dir/tests/support/x86_runnable.sh"

for tool in openssl osslsigncode msiinfo gcab wixl msibuild; do
  command -v "$tool" >/dev/null || { echo "msi test: $tool is not installed (tools/install-deps.sh --windows)" >&2; exit 2; }
done
wine=""
for candidate in /usr/lib/wine/wine64 "$(command -v wine64 || true)"; do
  if [[ -n "$candidate" && -x "$candidate" ]]; then wine="$candidate"; break; fi
done
[[ -n "$wine" ]] || { echo "msi test: 64-bit Wine is not installed (tools/install-deps.sh --windows)" >&2; exit 2; }
wineserver="$(dirname "$wine")/wineserver"
[[ -x "$wineserver" ]] || wineserver="$(command -v wineserver || true)"

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP: $1 ($X86_SKIP_REASON)"; }
# The tool's arguments for the installations that must succeed: --wine-direct-registry, and where
# no 32-bit process can start --wine-no-wow64 too.
register_args=--wine-direct-registry
if x86_runnable; then
  echo "msi test: 32-bit x86 programs run here: every check runs"
else
  echo "msi test: $X86_SKIP_REASON: the checks that need a 32-bit process are skipped, the tool gets --wine-no-wow64"
  register_args="--wine-direct-registry --wine-no-wow64"
fi
verifies() { osslsigncode verify -CAfile "$1" -in "$2" >/dev/null 2>&1; }   # verifies CAFILE FILE
check() {  # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  (( skipped )) && echo "msi test: skipped $skipped check(s) that need a 32-bit x86 process: $X86_SKIP_REASON"
  echo "msi test: $passed passed, $failed failed, $skipped skipped"
  (( failed == 0 ))
  exit $?
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/opensslp-msi-test.XXXXXX")"
msi=""
installed_by_us=0
stashed=()
cleanup() {
  if (( installed_by_us )) && [[ -n "$msi" ]]; then   # a failed run: leave the prefix clean for the next one
    echo "msi test: removing the product after a failure" >&2
    wine_msiexec /x "$(win_path "$msi")" /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry >/dev/null 2>&1 || true
  fi
  local rel
  for rel in "${stashed[@]}"; do   # put back what was there before the test
    if [[ -e "$c/$rel" ]]; then echo "msi test: cannot restore $c/$rel: it exists" >&2; continue; fi
    mkdir -p "$(dirname "$c/$rel")" && mv "$tmp/stash/$rel" "$c/$rel"
    echo "msi test: restored $c/$rel" >&2
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. build, sign, verify
echo "msi test: building and signing the MSI"
(
  cd "$tmp"
  echo "throwaway-$$-$RANDOM" > pass.txt
  openssl req -x509 -newkey rsa:2048 -sha256 -days 2 -subj "/CN=opensslp MSI test code signing" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" \
    -keyout key.pem -passout file:pass.txt -out cert.pem 2>/dev/null &&
  openssl req -x509 -newkey rsa:2048 -sha256 -days 2 -subj "/CN=unrelated" -nodes \
    -keyout other-key.pem -out other-cert.pem 2>/dev/null
) || { fail "a throwaway certificate (openssl req -x509)"; finish; }

if msi="$(bash "$src_dir/tools/build-msi.sh" --x64 "$x64_dir" --x86 "$x86_dir" --out "$tmp/out" \
            --sign-cert "$tmp/cert.pem" --sign-key "$tmp/key.pem" --sign-pass "$tmp/pass.txt" 2>"$tmp/build.log" | tail -n1)" \
   && [[ -f "$msi" ]]; then
  pass "tools/build-msi.sh with signing: $(basename "$msi")"
else
  sed 's/^/        /' "$tmp/build.log"
  fail "tools/build-msi.sh with signing"
  msi=""
  finish
fi

check "osslsigncode verify (throwaway CA) on the MSI" verifies "$tmp/cert.pem" "$msi"
check "the MSI does not verify against an unrelated CA (negative control)" \
  bash -c '! osslsigncode verify -CAfile "$1" -in "$2" >/dev/null 2>&1' _ "$tmp/other-cert.pem" "$msi"
check "the MSI is an x64 package (Template x64;1033)" \
  bash -c 'msiinfo suminfo "$1" | grep -q "^Template: x64;"' _ "$msi"

# The cabinet's members are named by File Id (installer/opensslp.wxs).
mkdir -p "$tmp/cab"
if msiinfo extract "$msi" opensslp.cab >"$tmp/cab/opensslp.cab" && gcab -x -C "$tmp/cab" "$tmp/cab/opensslp.cab"; then
  pass "the cabinet extracted (msiinfo extract, gcab -x)"
else
  fail "the cabinet extracted (msiinfo extract, gcab -x)"
fi
for id in DllX64 DllX86 RegisterExe SelftestX64 SelftestX86; do
  check "osslsigncode verify (throwaway CA) on $id" verifies "$tmp/cert.pem" "$tmp/cab/$id"
done
check "DllX86 does not verify against an unrelated CA (negative control)" \
  bash -c '! osslsigncode verify -CAfile "$1" -in "$2" >/dev/null 2>&1' _ "$tmp/other-cert.pem" "$tmp/cab/DllX86"

product_code="$(msiinfo export "$msi" Property | tr -d '\r' | awk -F'\t' '$1 == "ProductCode" { print $2 }')"

# ---------------------------------------------------------------- 2. Wine
export WINEPREFIX="${OPENSSLP_CACHE:-$HOME/.cache/opensslp}/wine-prefix-system"
export WINEDEBUG="${WINEDEBUG:--all}" WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
unset DISPLAY
mkdir -p "$(dirname "$WINEPREFIX")"
exec 9>"$WINEPREFIX.lock"
echo "msi test: waiting for $WINEPREFIX.lock" >&2
flock 9

wine_wait() { [[ -n "$wineserver" ]] && "$wineserver" --wait 2>/dev/null; return 0; }
wine_msiexec() { "$wine" msiexec "$@"; local rc=$?; wine_wait; return $rc; }
win_path() { local p="${1//\//\\}"; echo "Z:$p"; }   # Wine maps Z: to /

# Without 32-bit x86 the prefix can have no syswow64\kernel32.dll: it is not made anew for that.
if [[ ! -f "$WINEPREFIX/system.reg" ]] ||
   { x86_runnable && [[ ! -f "$WINEPREFIX/drive_c/windows/syswow64/kernel32.dll" ]]; }; then
  echo "msi test: creating the Wine prefix $WINEPREFIX (64-bit, with WoW64)" >&2
  [[ -e "$WINEPREFIX" ]] && rm -rf "$WINEPREFIX"
  "$wine" wineboot --init >/dev/null 2>&1
  wine_wait
fi
if x86_runnable; then
  if [[ -f "$WINEPREFIX/drive_c/windows/syswow64/kernel32.dll" ]]; then
    pass "Wine prefix $WINEPREFIX (64-bit, WoW64)"
  else
    fail "Wine prefix $WINEPREFIX (64-bit, WoW64): no syswow64 (wine32:i386 missing?)"
    finish
  fi
else
  if [[ -f "$WINEPREFIX/drive_c/windows/system32/kernel32.dll" && -d "$WINEPREFIX/drive_c/windows/syswow64" ]]; then
    pass "Wine prefix $WINEPREFIX (64-bit)"
  else
    fail "Wine prefix $WINEPREFIX (64-bit): no system32\\kernel32.dll or no syswow64 directory"
    finish
  fi
  skip "Wine prefix $WINEPREFIX has WoW64 (syswow64\\kernel32.dll)"
fi

c="$WINEPREFIX/drive_c"
installed_files=(
  "DllX64|$c/windows/system32/opensslp.dll"
  "DllX86|$c/windows/syswow64/opensslp.dll"
  "RegisterExe|$c/Program Files/OpenSSLP/opensslp-register.exe"
  "SelftestX64|$c/Program Files/OpenSSLP/opensslp-selftest.exe"
  "SelftestX86|$c/Program Files/OpenSSLP/x86/opensslp-selftest.exe"
)
provider="OpenSSLP Protocol Provider"
crypto='HKLM\SYSTEM\CurrentControlSet\Control\Cryptography'
provider_key="$crypto\\Providers\\$provider"
ssl_key="$crypto\\Configuration\\Local\\SSL\\00010002"
ours_key='HKLM\SOFTWARE\OpenSSLP'
uninstall_key="HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\$product_code"

reg_query() { "$wine" reg query "$@" 2>/dev/null | tr -d '\r'; }
reg_value() {  # reg_value KEY NAME: the value's data as `reg query` shows it (REG_MULTI_SZ: a\0b)
  reg_query "$1" /v "$2" | sed -nE "s/^ +$2 +REG_[A-Z_]+ +//p"
}
reg_has_key() { "$wine" reg query "$1" >/dev/null 2>&1; }
reg_export() {  # reg_export KEY FILE: the key as text (reg export writes UTF-16)
  rm -f "$tmp/export.reg"
  "$wine" reg export "$1" "$(win_path "$tmp/export.reg")" /y >/dev/null 2>&1 || { echo "(no such key)" > "$2"; return 0; }
  iconv -f UTF-16 -t UTF-8 "$tmp/export.reg" | tr -d '\r' > "$2"
}
none_installed() {  # no file, no directory, no key, no product registration left
  local entry f ok=0
  for entry in "${installed_files[@]}"; do
    f="${entry#*|}"
    if [[ -e "$f" ]]; then echo "        still there: ${f#"$c/"}"; ok=1; fi
  done
  if [[ -e "$c/Program Files/OpenSSLP" ]]; then echo "        still there: Program Files/OpenSSLP"; ok=1; fi
  for k in "$provider_key" "$ours_key" "$uninstall_key"; do
    if reg_has_key "$k"; then echo "        still there: $k"; ok=1; fi
  done
  return $ok
}
same_as_before() {  # the Cryptography key exactly as before the test
  reg_export "$crypto" "$tmp/crypto-now.txt"
  if cmp -s "$tmp/crypto-before.txt" "$tmp/crypto-now.txt"; then return 0; fi
  diff -u "$tmp/crypto-before.txt" "$tmp/crypto-now.txt" | head -40 | sed 's/^/        /'
  return 1
}

# Other tests use this prefix too and may have left opensslp's files in it (copied there, not
# installed): they are moved aside for the test and put back at the end. A registration or an
# installed product is not moved: the test stops.
for rel in windows/system32/opensslp.dll windows/syswow64/opensslp.dll "Program Files/OpenSSLP"; do
  if [[ -e "$c/$rel" ]]; then
    mkdir -p "$(dirname "$tmp/stash/$rel")" && mv "$c/$rel" "$tmp/stash/$rel" && stashed+=("$rel")
    echo "msi test: moved $c/$rel aside for the test (put back at the end)" >&2
  fi
done
if none_installed; then
  pass "precondition: no opensslp files, registration or product in the prefix"
else
  fail "precondition: no opensslp files, registration or product in the prefix (left over by an earlier run?)"
  finish
fi
# On Windows the Cryptography key and a local SSL suite order always exist; a new Wine prefix has
# neither (and the tool rightly never deletes the parent keys). A prefix without them gets a small
# Windows-like configuration, which is left there: two suites in the local order, one of them
# routed to Microsoft's provider (so `uninstall` must also keep what was there before).
if ! reg_has_key "$ssl_key"; then
  echo "msi test: seeding $crypto with a Windows-like local SSL order" >&2
  "$wine" reg add "$ssl_key" /v Functions /t REG_MULTI_SZ /d 'TLS_AES_256_GCM_SHA384\0TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' /f >/dev/null 2>&1
  "$wine" reg add "$ssl_key\\TLS_AES_256_GCM_SHA384" /v Providers /t REG_MULTI_SZ /d 'Microsoft SSL Protocol Provider' /f >/dev/null 2>&1
  "$wine" reg add "$crypto\\Providers" /f >/dev/null 2>&1
fi
reg_export "$crypto" "$tmp/crypto-before.txt"
msi_w="$(win_path "$msi")"

# -- a. negative controls: the install custom action fails, so the installation must fail
echo "msi test: installations that must fail"
negative() {  # negative DESCRIPTION [PROPERTY=VALUE]
  local what="$1"; shift
  installed_by_us=1
  wine_msiexec /i "$msi_w" /qn "$@" >"$tmp/msiexec.out" 2>&1
  local rc=$?
  if (( rc != 0 )); then
    pass "$what: msiexec /i fails (exit status $rc)"
  else
    fail "$what: msiexec /i fails (it returned 0)"
    wine_msiexec /x "$msi_w" /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry >/dev/null 2>&1
  fi
  installed_by_us=0
  check "$what: nothing left behind (files, keys, product)" none_installed
  check "$what: the Cryptography key as before" same_as_before
}
negative "no --wine-direct-registry (the tool refuses under Wine)"
negative "unknown suite (usage error)" "OPENSSLP_REGISTER_ARGS=$register_args --suites NO_SUCH_SUITE"
# Without 32-bit x86 and without --wine-no-wow64 the tool refuses: the SysWOW64 self-test cannot start.
x86_runnable || negative "no 32-bit x86 here, no --wine-no-wow64 (the x86 self-test cannot start)" \
  "OPENSSLP_REGISTER_ARGS=--wine-direct-registry"
# Not tested: a failure after a successful `install` (a failing action injected after
# OpensslpRegister). Wine 8's rollback removes the files before it runs OpensslpRegisterRollback,
# which then cannot find opensslp-register.exe ("can't find executable"), so the registration
# stays; Windows runs the rollback script backwards. Hence OpensslpRegister is the script's last
# action (installer/opensslp.wxs).

# -- b. install
echo "msi test: msiexec /i /qn"
installed_by_us=1
wine_msiexec /i "$msi_w" /qn "OPENSSLP_REGISTER_ARGS=$register_args" >"$tmp/msiexec.out" 2>&1
rc=$?
if (( rc == 0 )); then pass "msiexec /i /qn OPENSSLP_REGISTER_ARGS=$register_args"; else
  sed 's/^/        /' "$tmp/msiexec.out"
  fail "msiexec /i /qn OPENSSLP_REGISTER_ARGS=$register_args (exit status $rc)"
fi
for entry in "${installed_files[@]}"; do
  id="${entry%%|*}" f="${entry#*|}"
  check "installed ${f#"$c/"} (= $id in the MSI)" cmp -s "$tmp/cab/$id" "$f"
done
check "product registered ($product_code)" reg_has_key "$uninstall_key"

image="$(reg_value "$provider_key\\UM" Image)"
check "Providers\\$provider\\UM Image = opensslp.dll (got '$image')" [ "$image" = opensslp.dll ]
functions="$(reg_value "$provider_key\\UM\\00010002" Functions)"
check "Providers\\$provider\\UM\\00010002 Functions (${functions:0:50}...)" [ -n "$functions" ]
routed="$(reg_value "$ours_key\\Registration" RoutedSuites)"
check "$ours_key\\Registration RoutedSuites (${routed:0:50}...)" [ -n "$routed" ]
priority="$(reg_value "$ours_key\\Registration" Priority)"
check "$ours_key\\Registration Priority = bottom (the default; got '$priority')" [ "$priority" = bottom ]
order="$(reg_value "$ssl_key" Functions)"
# One recursive query for every suite's Providers value rather than one Wine start per suite:
# 34 back-to-back `wine reg` starts once lost a value to Wine (an empty answer for a key the
# registration had written), and one start is also faster.
reg_query "$ssl_key" /s >"$tmp/ssl-order.txt"
suite_providers() {  # suite_providers SUITE: the suite's Providers value from the query above
  # ENVIRON, not -v: awk would read the key's backslashes as escapes.
  KEY="HKEY_LOCAL_MACHINE${ssl_key#HKLM}\\$1" awk '
    /^HKEY_/ { in_key = (toupper($0) == toupper(ENVIRON["KEY"])); next }
    in_key && $1 == "Providers" { sub(/^ +Providers +REG_MULTI_SZ +/, ""); print; exit }' \
    "$tmp/ssl-order.txt"
}
suites_ok=1 n=0
while IFS= read -r suite; do
  [[ -n "$suite" ]] || continue
  n=$((n + 1))
  case "\\0$order\\0" in *"\\0$suite\\0"*) ;; *) echo "        $suite is not in $ssl_key Functions"; suites_ok=0 ;; esac
  providers="$(suite_providers "$suite")"
  case "\\0$providers\\0" in *"\\0$provider\\0"*) ;; *) echo "        $suite does not route to $provider ($providers)"; suites_ok=0 ;; esac
done < <(printf '%s\n' "$routed" | sed 's/\\0/\n/g')
check "each of the $n routed suites is in the local SSL order and lists $provider" [ "$suites_ok" = 1 -a "$n" -gt 0 ]

for arch in x64 x86; do
  exe='C:\Program Files\OpenSSLP\opensslp-selftest.exe'
  [[ $arch == x86 ]] && exe='C:\Program Files\OpenSSLP\x86\opensslp-selftest.exe'
  if [[ $arch == x86 ]] && ! x86_runnable; then skip "installed $arch self-test --resolve"; continue; fi
  out="$("$wine" "$exe" --resolve 2>&1 | tr -d '\r')"
  rc=$?
  if [[ $rc -eq 0 && "$out" == *"selftest: ok"* ]]; then
    pass "installed $arch self-test --resolve: $(grep -m1 'selftest: ok' <<<"$out")"
  else
    echo "$out" | tail -5 | sed 's/^/        /'
    fail "installed $arch self-test --resolve"
  fi
done
wine_wait

# -- c. uninstall
echo "msi test: msiexec /x /qn"
wine_msiexec /x "$msi_w" /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry >"$tmp/msiexec.out" 2>&1
rc=$?
if (( rc == 0 )); then pass "msiexec /x /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry"; installed_by_us=0; else
  sed 's/^/        /' "$tmp/msiexec.out"
  fail "msiexec /x /qn OPENSSLP_REGISTER_ARGS=--wine-direct-registry (exit status $rc)"
fi
check "after removal: files, directory, keys and product registration gone" none_installed
check "after removal: $crypto exactly as before (reg export)" same_as_before

finish
