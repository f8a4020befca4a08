#!/usr/bin/env bash
# Builds opensslp's Windows Installer package (x64) from the two release build directories, with
# msitools' wixl (installer/opensslp.wxs), optionally Authenticode-signing every binary and the MSI.
#
#   tools/build-msi.sh --x64 build/mingw-x64-release --x86 build/mingw-x86-release [--out DIR]
#                      [--sign-cert CERT --sign-key KEY [--sign-pass FILE] [--verify-cafile FILE]]
#
#   --x64 DIR          x64 build: DIR/opensslp.dll, DIR/registry/opensslp-register.exe,
#                      DIR/registry/opensslp-selftest.exe
#   --x86 DIR          x86 build: DIR/opensslp.dll, DIR/registry/opensslp-selftest.exe
#   --out DIR          where the MSI goes (default: build/msi in the source tree); it is named
#                      opensslp-<version>-x64.msi, <version> from CMakeLists.txt project(... VERSION)
#   --sign-cert CERT   code-signing certificate (PEM or DER; may hold the chain) and its private
#   --sign-key KEY     key (PEM or DER): every PE binary is signed (osslsigncode, SHA-256) before
#                      it is packaged, then the MSI itself. No timestamp (no network): the
#                      signatures are valid while the certificate is.
#   --sign-pass FILE   the file holding the key's passphrase (osslsigncode -readpass)
#   --verify-cafile F  the CA certificates `osslsigncode verify` checks the signatures against;
#                      default: CERT itself when it is self-signed (a throwaway test certificate),
#                      otherwise osslsigncode's default (the system bundle)
#
# Needs wixl and msitools (msibuild, msiinfo), and osslsigncode to sign: tools/install-deps.sh
# --windows. Progress goes to stderr; the last line on stdout is the MSI's path.
# Exit status: 0 built, 1 a step failed, 2 usage or missing input.
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "build-msi: $*" >&2; exit 1; }
usage_error() { echo "build-msi: $*" >&2; echo "usage: tools/build-msi.sh --x64 DIR --x86 DIR [--out DIR] [--sign-cert CERT --sign-key KEY [--sign-pass FILE] [--verify-cafile FILE]]" >&2; exit 2; }
input_error() { echo "build-msi: $*" >&2; exit 2; }
log() { echo "build-msi: $*" >&2; }

x64_dir="" x86_dir="" out_dir="$src_dir/build/msi" sign_cert="" sign_key="" sign_pass="" verify_cafile=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --x64|--x86|--out|--sign-cert|--sign-key|--sign-pass|--verify-cafile)
      [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"
      case "$1" in
        --x64) x64_dir="$2" ;; --x86) x86_dir="$2" ;; --out) out_dir="$2" ;;
        --sign-cert) sign_cert="$2" ;; --sign-key) sign_key="$2" ;; --sign-pass) sign_pass="$2" ;;
        --verify-cafile) verify_cafile="$2" ;;
      esac
      shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

[[ -n "$x64_dir" ]] || usage_error "--x64 DIR (the mingw-x64-release build directory) is required"
[[ -n "$x86_dir" ]] || usage_error "--x86 DIR (the mingw-x86-release build directory) is required"
[[ -d "$x64_dir" ]] || input_error "--x64 $x64_dir: no such directory"
[[ -d "$x86_dir" ]] || input_error "--x86 $x86_dir: no such directory"
signing=0
if [[ -n "$sign_cert" || -n "$sign_key" || -n "$sign_pass" || -n "$verify_cafile" ]]; then
  [[ -n "$sign_cert" && -n "$sign_key" ]] || usage_error "signing needs both --sign-cert and --sign-key"
  for f in "$sign_cert" "$sign_key" ${sign_pass:+"$sign_pass"} ${verify_cafile:+"$verify_cafile"}; do
    [[ -f "$f" && -r "$f" ]] || input_error "$f: no such readable file"
  done
  signing=1
fi

for tool in wixl msibuild msiinfo; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install wixl msitools, or tools/install-deps.sh --windows)"
done
if (( signing )); then
  command -v osslsigncode >/dev/null || die "osslsigncode is not installed (apt-get install osslsigncode, or tools/install-deps.sh --windows)"
fi

# The PE machine field of a file: 14c (i386), 8664 (x86-64), or nothing if it is not a PE file.
pe_machine() {
  local off
  off=$(od -An -tu4 -j60 -N4 "$1" 2>/dev/null | tr -d ' ') || return 0
  [[ -n "$off" ]] || return 0
  od -An -tx2 -j$((off + 4)) -N2 "$1" 2>/dev/null | tr -d ' ' || true
}

# The inputs: staged name, source file, expected PE machine.
inputs=(
  "opensslp-x64.dll|$x64_dir/opensslp.dll|8664"
  "opensslp-x86.dll|$x86_dir/opensslp.dll|014c"
  "opensslp-register.exe|$x64_dir/registry/opensslp-register.exe|8664"
  "opensslp-selftest-x64.exe|$x64_dir/registry/opensslp-selftest.exe|8664"
  "opensslp-selftest-x86.exe|$x86_dir/registry/opensslp-selftest.exe|014c"
)
for entry in "${inputs[@]}"; do
  IFS='|' read -r _ file machine <<<"$entry"
  [[ -f "$file" ]] || input_error "missing input $file (build it first: cmake --preset <preset> && cmake --build build/<preset> --target opensslp opensslp-register opensslp-selftest)"
  actual="$(pe_machine "$file")"
  if [[ "$actual" != "$machine" ]]; then
    case "$machine" in 8664) want="an x64" ;; *) want="an x86 (32-bit)" ;; esac
    input_error "$file is not $want PE file (machine '${actual:-none}')"
  fi
done
[[ -f "$src_dir/LICENSE" ]] || die "missing $src_dir/LICENSE"
[[ -f "$src_dir/installer/opensslp.wxs" ]] || die "missing $src_dir/installer/opensslp.wxs"

version="$(sed -n 's/^[[:space:]]*project(opensslp[[:space:]]\{1,\}VERSION[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' "$src_dir/CMakeLists.txt" | head -n1)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read the version from project(opensslp VERSION x.y.z) in $src_dir/CMakeLists.txt (got '${version}')"

stage="$(mktemp -d "${TMPDIR:-/tmp}/opensslp-msi.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
for entry in "${inputs[@]}"; do
  IFS='|' read -r name file _ <<<"$entry"
  cp "$file" "$stage/$name"
done
cp "$src_dir/LICENSE" "$stage/LICENSE.txt"

verify_args=()
if (( signing )); then
  if [[ -n "$verify_cafile" ]]; then
    verify_args=(-CAfile "$verify_cafile")
  elif [[ "$(openssl x509 -in "$sign_cert" -noout -subject 2>/dev/null | sed 's/^subject=//')" == \
          "$(openssl x509 -in "$sign_cert" -noout -issuer 2>/dev/null | sed 's/^issuer=//')" ]]; then
    verify_args=(-CAfile "$sign_cert")   # self-signed: it is its own trust anchor
  fi
fi

sign() {  # sign FILE: signs FILE in place, then verifies the signature
  local f="$1"
  local args=(sign -certs "$sign_cert" -key "$sign_key" -h sha256 -n "OpenSSLP Protocol Provider")
  [[ -n "$sign_pass" ]] && args+=(-readpass "$sign_pass")
  rm -f "$f.signed"
  osslsigncode "${args[@]}" -in "$f" -out "$f.signed" >"$stage/osslsigncode.log" 2>&1 \
    || { cat "$stage/osslsigncode.log" >&2; die "osslsigncode sign failed for $(basename "$f")"; }
  mv "$f.signed" "$f"
  osslsigncode verify "${verify_args[@]}" -in "$f" >"$stage/osslsigncode.log" 2>&1 \
    || { cat "$stage/osslsigncode.log" >&2; die "osslsigncode verify failed for $(basename "$f") (the certificate's CA: --verify-cafile)"; }
  log "signed and verified $(basename "$f")"
}

if (( signing )); then
  for entry in "${inputs[@]}"; do
    IFS='|' read -r name _ _ <<<"$entry"
    sign "$stage/$name"
  done
fi

msi_name="opensslp-$version-x64.msi"
log "wixl: $msi_name (version $version)"
# wixl 0.101 cannot open absolute Source paths: it runs in the stage directory with relative ones.
( cd "$stage" && wixl -a x64 -o "$msi_name" \
    -D Version="$version" \
    -D X64Dll=opensslp-x64.dll -D X86Dll=opensslp-x86.dll \
    -D RegisterExe=opensslp-register.exe \
    -D SelftestX64=opensslp-selftest-x64.exe -D SelftestX86=opensslp-selftest-x86.exe \
    -D License=LICENSE.txt \
    "$src_dir/installer/opensslp.wxs" ) || die "wixl failed"

# What wixl 0.101 cannot express (installer/opensslp.wxs explains):
# * the rollback custom actions: type 18 (the installed file RegisterExe) + 0x400 in-script
#   + 0x100 rollback + 0x800 no-impersonate + 0x40 exit code ignored = 3410, scheduled just
#   before the action each one undoes (Windows Installer runs the rollback script backwards);
# * MajorUpgrade's AllowSameVersionUpgrades: an Upgrade row for this very version (attributes
#   1 migrate features + 256 minimum inclusive + 512 maximum inclusive), so that a rebuilt package
#   of the same version (a new ProductCode) replaces the installed one;
# * OPENSSLP_REGISTER_ARGS (and that row's property) in SecureCustomProperties.
msi="$stage/$msi_name"
secure="$(msiinfo export "$msi" Property | tr -d '\r' | awk -F'\t' '$1 == "SecureCustomProperties" { print $2 }')"
secure="OPENSSLP_REGISTER_ARGS;WIX_SAME_VERSION_UPGRADE_DETECTED${secure:+;$secure}"
upgrade_code="$(msiinfo export "$msi" Property | tr -d '\r' | awk -F'\t' '$1 == "UpgradeCode" { print $2 }')"
[[ -n "$upgrade_code" ]] || die "the MSI has no UpgradeCode"
msibuild "$msi" \
  -q "INSERT INTO \`CustomAction\` (\`Action\`, \`Type\`, \`Source\`, \`Target\`) VALUES ('OpensslpRegisterRollback', 3410, 'RegisterExe', 'uninstall [OPENSSLP_REGISTER_ARGS]')" \
  -q "INSERT INTO \`CustomAction\` (\`Action\`, \`Type\`, \`Source\`, \`Target\`) VALUES ('OpensslpUnregisterRollback', 3410, 'RegisterExe', 'install [OPENSSLP_REGISTER_ARGS]')" \
  -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Condition\`, \`Sequence\`) VALUES ('OpensslpRegisterRollback', 'NOT REMOVE~=\"ALL\"', 6589)" \
  -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Condition\`, \`Sequence\`) VALUES ('OpensslpUnregisterRollback', 'REMOVE~=\"ALL\"', 3489)" \
  -q "INSERT INTO \`Upgrade\` (\`UpgradeCode\`, \`VersionMin\`, \`VersionMax\`, \`Attributes\`, \`ActionProperty\`) VALUES ('$upgrade_code', '$version', '$version', 769, 'WIX_SAME_VERSION_UPGRADE_DETECTED')" \
  -q "UPDATE \`Property\` SET \`Value\` = '$secure' WHERE \`Property\` = 'SecureCustomProperties'" \
  || die "msibuild failed (adding the rollback actions, the same-version Upgrade row)"
# Check the result: the four actions in the right order around InstallFiles/RemoveFiles.
seq="$(msiinfo export "$msi" InstallExecuteSequence | tr -d '\r' | awk -F'\t' '{ print $1 "=" $3 }' | tr '\n' ' ')"
for want in OpensslpUnregisterRollback=3489 OpensslpUnregister=3490 RemoveFiles=3500 InstallFiles=4000 \
            OpensslpRegisterRollback=6589 OpensslpRegister=6590 InstallFinalize=6600 RemoveExistingProducts=1401; do
  [[ " $seq" == *" $want "* ]] || die "the MSI's InstallExecuteSequence lacks $want (has: $seq)"
done
types="$(msiinfo export "$msi" CustomAction | tr -d '\r' | awk -F'\t' 'NR > 3 { print $1 "=" $2 }' | sort | tr '\n' ' ')"
[[ "$types" == "OpensslpRegister=3090 OpensslpRegisterRollback=3410 OpensslpUnregister=3090 OpensslpUnregisterRollback=3410 " ]] \
  || die "unexpected custom action types: $types"
msiinfo export "$msi" Property | grep -q "^SecureCustomProperties	OPENSSLP_REGISTER_ARGS;WIX_SAME_VERSION_UPGRADE_DETECTED;" \
  || die "SecureCustomProperties does not list OPENSSLP_REGISTER_ARGS"
msiinfo export "$msi" Upgrade | tr -d '\r' | grep -q "	$version	$version		769		WIX_SAME_VERSION_UPGRADE_DETECTED$" \
  || die "the same-version Upgrade row is missing"

(( signing )) && sign "$msi"

mkdir -p "$out_dir"
mv -f "$msi" "$out_dir/$msi_name"
out="$(cd "$out_dir" && pwd)/$msi_name"
log "built $out ($(stat -c %s "$out") bytes$( (( signing )) && echo ", signed"))"
echo "$out"
