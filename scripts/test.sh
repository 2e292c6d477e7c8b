#!/usr/bin/env bash
# The project's tests, as CI runs them (.ci/run): `mvn -B verify`, after installing what the reference checks need when
# it is missing: Debian's python3-onnx, so that every ONNX export is also checked by the onnx package's own checker,
# and python3-jinja2, against which every test chat template is rendered (those tests skip without them). Where
# apt-get cannot run (no root, no network), it says so and the tests run without them.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
/usr/bin/python3 -c 'import onnx' 2>/dev/null || missing+=(python3-onnx)
/usr/bin/python3 -c 'import jinja2' 2>/dev/null || missing+=(python3-jinja2)
if (( ${#missing[@]} )); then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "test.sh: installing ${missing[*]} for the reference checks" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "test.sh: could not install ${missing[*]}; the tests that need them will skip" >&2
  else
    echo "test.sh: ${missing[*]} not installed and apt-get cannot run here; the tests that need them will skip" >&2
  fi
fi
exec mvn -B verify "$@"
