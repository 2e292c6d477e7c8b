#!/usr/bin/env bash
# The project's tests, as CI runs them (.ci/run): `mvn -B verify`, after installing Debian's python3-onnx when it is
# missing, so that every ONNX export is also checked by the onnx package's own checker (the tests skip that one check
# without it). Where apt-get cannot run (no root, no network), it says so and the tests run without the checker.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "test.sh: installing python3-onnx for the ONNX checker" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-onnx >/dev/null) \
      || echo "test.sh: could not install python3-onnx; ONNX checker tests will skip" >&2
  else
    echo "test.sh: python3-onnx is not installed and apt-get cannot run here; ONNX checker tests will skip" >&2
  fi
fi
exec mvn -B verify "$@"
