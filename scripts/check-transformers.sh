#!/usr/bin/env bash
# Holds Secateur to Hugging Face transformers' own model code, architecture by architecture (scripts/hf_parity.py):
# transformers builds and saves a small random model of each supported architecture (every weight, norm and bias
# perturbed), Secateur exports it to ONNX and prunes it (FFN neurons, a layer, and heads where the architecture
# allows), and transformers loads the pruned folder. Each row compares logits (max |difference| / max |logit|) of the
# export and of the pruned export with transformers' on the same 24 tokens. Two passes: --compensation none and lsq.
# Real weights too: the demo's trained Llama, and all-MiniLM-L6-v2 once prune-function's tests have imported it.
# Last, serve-function serves the demo model (published to a store under --work) and every greedy completion and chat
# completion it returns for data/demo-prompts.txt must be the text transformers' generate gives (scripts/hf_generate.py).
#
#   scripts/check-transformers.sh [--only llama,gpt2,...] [--work DIR]
#
# Installs torch (CPU), transformers, safetensors, onnxruntime and numpy into target/hf-venv with pip, from whatever
# index pip is configured to use (about 1 GB); ./secateur builds itself. Exits non-zero when a row fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
only=""
work="$root/target/hf-parity"
source "$root/scripts/options.sh"
value_options=([--only]=only [--work]=work)
flag_options=()
parse_options "$@"
venv="$root/target/hf-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import torch, transformers, onnxruntime, safetensors" 2>/dev/null; then
  echo "check-transformers: installing torch, transformers, onnxruntime into $venv (once)..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch transformers safetensors onnxruntime numpy >&2
fi
"$root/secateur" --version >/dev/null # builds the jars when missing, before the timed work
status=0
for comp in none lsq; do
  echo
  echo "compensation: $comp"
  "$venv/bin/python" "$root/scripts/hf_parity.py" --compensation "$comp" --only "$only" --work "$work/$comp" 2>/dev/null || status=1
done

jar="$root/serve-function/target/quarkus-app/quarkus-run.jar"
if [[ ! -f "$jar" ]]; then
  echo "check-transformers: building serve-function (once)..." >&2
  (cd "$root" && mvn -B -q -pl shared,serve-function -am package -DskipTests) >&2
fi
store="$work/store"
rm -rf "$store"
"$root/secateur" publish --model "$root/models/kjv-llama" --store "$store" --name kjv >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -Xmx2g -Dquarkus.http.port="$port" -Dsecateur.serve.store-root="$store" -Dsecateur.serve.model=kjv \
  -Dsecateur.serve.cuda=false -Dsecateur.serve.scan-interval=0s -Dmp.messaging.incoming.prune-events.enabled=false \
  -Dquarkus.log.level=WARN -jar "$jar" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
deadline=$((SECONDS + 180))
until curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { tail -n 30 "$work/serve.log" >&2; echo "check-transformers: server exited" >&2; exit 1; }
  (( SECONDS < deadline )) || { echo "check-transformers: server not ready" >&2; exit 1; }
  sleep 1
done
echo
echo "serve-function against transformers' generate (models/kjv-llama):"
"$venv/bin/python" "$root/scripts/hf_generate.py" "http://127.0.0.1:$port" kjv "$root/models/kjv-llama" 2>/dev/null || status=1
exit $status
