#!/usr/bin/env bash
# The "main job": builds opensslp for Linux (preset default) and shows what the provider offers,
# through the opensslp command-line tool:
#   build/default/tools/cli/opensslp suites    the cipher suites, in preference order
#   build/default/tools/cli/opensslp curves    the key-exchange groups (ECC curves)
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
echo "\$ $cli suites"
"$cli" suites
echo
echo "\$ $cli curves"
"$cli" curves
