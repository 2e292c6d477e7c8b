#!/usr/bin/env bash
# Serving throughput in one run: a bare batch-1 ONNX Runtime session, serve-function over HTTP with continuous
# batching, and serve-function without, at 1, 2, 4, 8, 16 concurrent clients sending streamed greedy completions.
# At each concurrency the three paths run --seconds each in turn, --rounds times over. Prints a markdown table
# (median round's tokens/s of all clients together and the range, ratio to one client, p50/p95 latency, p50 time
# to first token). The load generator runs on the same machine as the servers, so they share its cores.
#
#   scripts/bench-serve.sh                       # a random-weight ~125M Llama (hidden 768, 12 layers, vocab 32000)
#   scripts/bench-serve.sh --model models/kjv-llama
#   scripts/bench-serve.sh --url http://host:8080 --name NAME     # a server that is already running (HTTP rows only)
#   options: --clients 1,2,4,8,16  --seconds 5  --rounds 3  --max-tokens 32  --max-batch 16  --spin-wait false
#            --intra-op-threads 0  --stream true  --prompt TEXT  --work DIR  --warmup 20
# (--spin-wait and --intra-op-threads (0: ONNX Runtime's default, one per core) apply to the servers and to the bare
# session alike; --stream false sends non-streamed requests; --warmup: seconds each path runs before it is timed,
# long enough for the server's JIT to settle)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
model="" url="" prompt_given=0 prompt="And God said, Let there be light: and there was light." name=bench clients=1,2,4,8,16 seconds=5 rounds=3 max_tokens=32 max_batch=16 spin_wait=false intra_op=0 stream=true warmup=20 work="$root/target/bench-serve"
source "$root/scripts/options.sh"
value_options=([--model]=model [--url]=url [--name]=name [--clients]=clients [--seconds]=seconds [--rounds]=rounds
  [--max-tokens]=max_tokens [--max-batch]=max_batch [--spin-wait]=spin_wait [--intra-op-threads]=intra_op
  [--stream]=stream [--work]=work [--warmup]=warmup)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prompt) prompt="$2"; prompt_given=1; shift 2 ;;
    *) take_option "$@"; shift "$taken" ;;
  esac
done

jar=serve-function/target/quarkus-app/quarkus-run.jar
if [[ ! -f "$jar" || ! -d serve-function/target/test-classes/dev/secateur/serve/bench || "${SECATEUR_REBUILD:-0}" == 1 ]]; then
  echo "bench-serve: building serve-function (once)..." >&2
  mvn -B -q -pl shared,serve-function -am package -DskipTests >&2
fi
# The load generator is a test class; the server's own libraries (ONNX Runtime, tokenizers, shared) are its classpath.
bench() { java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "serve-function/target/test-classes:serve-function/target/quarkus-app/lib/boot/*:serve-function/target/quarkus-app/lib/main/*" dev.secateur.serve.bench.ServeBench "$@"; }
common() { echo --clients "$clients" --seconds "$seconds" --rounds "$rounds" --max-tokens "$max_tokens" --stream "$stream" --warmup "$warmup"; }

header() {
  echo "| path | clients | requests | failed | tokens/s (median round) | range | vs 1 client | p50 ms | p95 ms | TTFT p50 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}

if [[ -n "$url" ]]; then
  header
  bench --urls "http ($url)=$url" --model "$name" $(common) --prompt "$prompt"
  exit 0
fi

mkdir -p "$work"
store="$work/store"
if [[ -z "$model" ]]; then
  model="$work/llama-125m"
  if [[ ! -f "$model/config.json" ]]; then
    echo "bench-serve: writing a random-weight llama-125m checkpoint to $model" >&2
    rm -rf "$model"
    # A word-level tokenizer over the whole 32000-id vocabulary, so every generated id detokenises to text (with a
    # smaller tokenizer most random ids would decode to nothing and streams would carry no text).
    python3 - "$work/tokenizer-32000.json" <<'PY'
import json, sys
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
vocab.update({f"w{i}": i for i in range(3, 32000)})
json.dump({"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                             "normalized": False, "special": True} for t, i in list(vocab.items())[:3]],
           "normalizer": None, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None,
           "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": False},
           "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}}, open(sys.argv[1], "w"))
PY
    ./secateur make-random --shape llama-125m --dtype f32 --shards 1 --tokenizer "$work/tokenizer-32000.json" \
      --out "$model" >/dev/null
  fi
  (( prompt_given )) || prompt="w101 w2024 w17 w999 w31000 w5 w77 w1234 w4321 w8 w600 w12000 w42 w7"
fi
rm -rf "$store"
./secateur publish --model "$model" --store "$store" --name "$name" >/dev/null
version_dir="$(find "$store/$name" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)"

pids=()
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
trap stop_servers EXIT

serve() { # batching on|off; sets served_url
  local port pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  java -Xmx2g -Dquarkus.http.port="$port" -Dsecateur.serve.store-root="$store" -Dsecateur.serve.model="$name" \
    -Dsecateur.serve.cuda=false -Dsecateur.serve.scan-interval=0s -Dsecateur.serve.max-tokens-cap="$max_tokens" \
    -Dsecateur.serve.batching.enabled="$1" -Dsecateur.serve.batching.max-batch="$max_batch" \
    -Dsecateur.serve.spin-wait="$spin_wait" -Dsecateur.serve.intra-op-threads="$intra_op" \
    -Dsecateur.serve.max-concurrent-requests=64 -Dmp.messaging.incoming.prune-events.enabled=false \
    -Dquarkus.log.level=WARN -jar "$jar" >"$work/serve-$1.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  local deadline=$((SECONDS + 180))
  until curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$work/serve-$1.log" >&2; echo "bench-serve: server exited" >&2; exit 1; }
    (( SECONDS < deadline )) || { tail -n 30 "$work/serve-$1.log" >&2; echo "bench-serve: server not ready" >&2; exit 1; }
    sleep 1
  done
  served_url="http://127.0.0.1:$port"
}

# Both servers are up together (an idle one costs memory, not CPU) so that every concurrency runs all paths back to back.
serve true
batching_url="$served_url"
serve false
plain_url="$served_url"
echo "model: $model ($(du -sh "$version_dir" | cut -f1) exported), $(nproc) cores, $rounds rounds of ${seconds} s per row, max_tokens $max_tokens, intra-op threads $intra_op (0: one per core), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
header
bench --dir "$version_dir" --spin-wait "$spin_wait" --threads "$intra_op" --model "$name" $(common) --prompt "$prompt" \
  --urls "http, batching (max $max_batch)=$batching_url;http, no batching=$plain_url"
