#!/usr/bin/env bash
# The "main job": builds opensslp for Linux (preset default), shows the key-exchange groups the
# provider offers, and ends with `opensslp demo`: a TLS handshake against OpenSSL's libssl for
# every TLS 1.0-1.2 cipher suite, in both roles, with data both ways and close_notify, printed as
# a table. opensslp's side does all of its cryptography through the provider's Ssl* exports.
#   build/default/tools/cli/opensslp curves
#   build/default/tools/cli/opensslp demo
# Installs missing Linux build dependencies first (tools/install-deps.sh, apt-get only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${OPENSSLP_JOBS:-2}"

bash tools/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --parallel "$jobs"

cli="build/default/tools/cli/opensslp"
if [[ ! -x "$cli" ]]; then
  echo "demo: $cli was not built (tools/cli/ missing or OPENSSLP_BUILD_TOOLS=OFF)" >&2
  exit 1
fi
echo
echo "\$ $cli curves"
"$cli" curves
echo
echo "\$ $cli demo"
"$cli" demo
