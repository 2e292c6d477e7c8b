#!/usr/bin/env bash
# Optional, not part of `mvn verify`: the official OpenAI Python SDK against running serve-functions.
#   serve-function/sdk-check/run-python.sh http://127.0.0.1:8081/v1 kjv-llama [minilm http://127.0.0.1:8082/v1]
# Needs python3 with venv (apt-get install python3-venv); installs the pinned SDK into this folder's .venv on first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import openai' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
fi
exec "$venv/bin/python" "$here/python/check.py" "$@"
