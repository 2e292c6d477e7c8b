#!/usr/bin/env bash
# Secateur end to end, on one machine: a real Kafka broker, serve-function serving the dense demo model,
# prune-function pruning it on a Kafka event, serve-function hot-loading the pruned version, and a
# before/after table. Every process it starts is stopped on exit, Ctrl-C or failure.
#
#   ./demo.sh [--model DIR] [--name NAME] [--method mi|mi-pairwise|magnitude|wanda-sp|flap|random]
#             [--ffn-ratio R] [--head-ratio R] [--compensation none|bias|lsq] [--samples N] [--keep]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

MODEL=models/kjv-llama
NAME=kjv-llama
METHOD=mi
FFN_RATIO=0.3
HEAD_RATIO=0
COMPENSATION=lsq
SAMPLES=32
CALIBRATION=data/kjv-calib.txt
EVAL_TEXT=data/kjv-valid.txt
KEEP=0
KAFKA_PORT=${KAFKA_PORT:-19092}
SERVE_PORT=${SERVE_PORT:-18081}
PRUNE_PORT=${PRUNE_PORT:-18082}

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) MODEL=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --method) METHOD=$2; shift 2 ;;
    --ffn-ratio) FFN_RATIO=$2; shift 2 ;;
    --head-ratio) HEAD_RATIO=$2; shift 2 ;;
    --compensation) COMPENSATION=$2; shift 2 ;;
    --samples) SAMPLES=$2; shift 2 ;;
    --calibration) CALIBRATION=$2; shift 2 ;;
    --eval) EVAL_TEXT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done

START=$SECONDS
step() { printf '\n\033[1m[%3ds] %s\033[0m\n' "$((SECONDS - START))" "$*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

command -v java >/dev/null || die "java 17+ is needed on PATH"
command -v mvn >/dev/null || die "Maven is needed on PATH"
[[ -f $MODEL/config.json ]] || die "$MODEL is not a Hugging Face model folder"

WORK="$ROOT/.demo/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$WORK"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  scripts/kafka.sh stop --data "$WORK/kafka" --port "$KAFKA_PORT" >/dev/null 2>&1 || true
  if (( rc != 0 )); then
    echo "demo.sh: failed (exit $rc) after $((SECONDS - START)) s; logs are in $WORK" >&2
  elif (( KEEP == 0 )); then
    rm -rf "$WORK/kafka" "$WORK/store"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_ready() { # url pid log what
  local deadline=$((SECONDS + 240))
  until curl -fsS "$1" >/dev/null 2>&1; do
    kill -0 "$2" 2>/dev/null || { tail -n 40 "$3" >&2; die "$4 exited during startup (log: $3)"; }
    (( SECONDS < deadline )) || { tail -n 40 "$3" >&2; die "$4 not ready after 240 s (log: $3)"; }
    sleep 1
  done
}

step "1/7 building (skipped when the jars exist)"
if [[ ! -f prune-function/target/quarkus-app/quarkus-run.jar || ! -f serve-function/target/quarkus-app/quarkus-run.jar \
      || ! -f tools/target/secateur-tools.jar ]]; then
  mvn -B -q package -DskipTests
fi
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.cache/secateur/djl}"
# libtorch OpenMP threads otherwise spin between operations, which starves the other processes of the demo.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

step "2/7 starting a Kafka broker (KRaft, from Maven artifacts) on 127.0.0.1:$KAFKA_PORT"
scripts/kafka.sh start --data "$WORK/kafka" --port "$KAFKA_PORT"
BOOTSTRAP=127.0.0.1:$KAFKA_PORT

step "3/7 publishing the dense model $MODEL as $NAME v1 (ONNX export + checkpoint) in the store $WORK/store"
./secateur publish --model "$MODEL" --store "$WORK/store" --name "$NAME"

step "4/7 starting serve-function on :$SERVE_PORT and prune-function on :$PRUNE_PORT"
java -Xmx2g -Dquarkus.http.port="$SERVE_PORT" -Dsecateur.serve.store-root="$WORK/store" -Dsecateur.serve.model="$NAME" \
  -Dkafka.bootstrap.servers="$BOOTSTRAP" -jar serve-function/target/quarkus-app/quarkus-run.jar >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
SERVE_PID=$!
java -Xmx6g -Dai.djl.offline=true -Dquarkus.http.port="$PRUNE_PORT" -Dsecateur.store.root="$WORK/store" \
  -Dkafka.bootstrap.servers="$BOOTSTRAP" -jar prune-function/target/quarkus-app/quarkus-run.jar service >"$WORK/prune.log" 2>&1 &
PIDS+=($!)
PRUNE_PID=$!
wait_ready "http://127.0.0.1:$SERVE_PORT/q/health/ready" "$SERVE_PID" "$WORK/serve.log" serve-function
wait_ready "http://127.0.0.1:$PRUNE_PORT/q/health/ready" "$PRUNE_PID" "$WORK/prune.log" prune-function
echo "  both ready; serve-function serves $(curl -fsS "http://127.0.0.1:$SERVE_PORT/v1/models/$NAME" | grep -o '"served_as":"[^"]*"')"

step "5/7 the prune request ($METHOD, ffnRatio $FFN_RATIO, headRatio $HEAD_RATIO, compensation $COMPENSATION)"
cat >"$WORK/request.json" <<JSON
{
  "source": {"model": "$NAME", "version": 1},
  "method": "$METHOD",
  "ffnRatio": $FFN_RATIO,
  "headRatio": $HEAD_RATIO,
  "compensation": "$COMPENSATION",
  "calibration": "$ROOT/$CALIBRATION",
  "samples": $SAMPLES,
  "seqLen": 128,
  "eval": "$ROOT/$EVAL_TEXT",
  "evalSeqLen": 128,
  "outputModel": "$NAME"
}
JSON
cat "$WORK/request.json"

step "6/7 dense measurements, the prune job over Kafka, the hot swap, pruned measurements"
./secateur demo-driver --bootstrap "$BOOTSTRAP" --serve-url "http://127.0.0.1:$SERVE_PORT" --model "$NAME" \
  --request "$WORK/request.json" --prompts data/demo-prompts.txt --out "$WORK"

step "7/7 done in $((SECONDS - START)) s: table $WORK/demo-table.md, chart $WORK/demo-chart.png, logs in $WORK"
