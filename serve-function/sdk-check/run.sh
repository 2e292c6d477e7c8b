#!/usr/bin/env bash
# Optional, not part of `mvn verify`: the official OpenAI Node SDK against running serve-functions.
#   serve-function/sdk-check/run.sh http://127.0.0.1:8081/v1 kjv-llama [minilm http://127.0.0.1:8082/v1]
# Needs node 20 and npm (installs the pinned SDK into this folder's node_modules on first use).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ -d "$here/node_modules/openai" ]] || (cd "$here" && npm install --no-audit --no-fund --silent)
exec node "$here/check.mjs" "$@"
