#!/usr/bin/env bash
# Criteria × compensation × FFN ratio × calibration seed on the demo model (models/kjv-llama, or --model), perplexity ratio to
# dense, mean ± sd over the seeds. One command from a fresh clone; it builds what it needs with plain Maven (no
# install, no -o) and runs CriteriaComparisonTest. Prints the markdown table and leaves it (and one TSV line per run)
# under --out.
#
#   scripts/bench-kjv.sh [--ratios 0.1,0.2,0.27,0.4,0.5] [--seeds 0,1,2] [--criteria random,magnitude,wanda-sp,flap,mi-pairwise,mi]
#                        [--compensation none,lsq] [--eval-tokens 16384] [--mode sequential|dense] [--out target/bench-kjv.md]
#                        [--model models/kjv-llama] [--samples 32] [--seq-len 128] [--eval-seq-len 128]
#                        [-Dname=value ...]   (passed on to the test JVM)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ratios="0.1,0.2,0.27,0.4,0.5"
seeds="0,1,2"
criteria="random,magnitude,wanda-sp,flap,mi-pairwise,mi"
compensation="none,lsq"
eval_tokens=16384
mode=sequential
model="$root/models/kjv-llama"
samples=32
seq_len=128
eval_seq_len=128
out="$root/target/bench-kjv.md"
extra=()
source "$root/scripts/options.sh"
value_options=([--ratios]=ratios [--seeds]=seeds [--criteria]=criteria [--compensation]=compensation
  [--eval-tokens]=eval_tokens [--mode]=mode [--model]=model [--samples]=samples [--seq-len]=seq_len
  [--eval-seq-len]=eval_seq_len [--out]=out)
while [[ $# -gt 0 ]]; do
  case "$1" in
    -D*) extra+=("$1"); shift ;;
    *) take_option "$@"; shift "$taken" ;;
  esac
done
model="$(cd "$model" && pwd)"
[[ "$out" = /* ]] || out="$PWD/$out"
cd "$root"
mkdir -p "$(dirname "$out")"
start=$(date +%s)
mvn -B -q -pl shared,prune-function -am test -Dtest=CriteriaComparisonTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcompare.model="$model" -Dcompare.samples="$samples" -Dcompare.seqLen="$seq_len" -Dcompare.evalSeqLen="$eval_seq_len" -Dcompare.calib="$root/data/kjv-calib.txt" -Dcompare.eval="$root/data/kjv-valid.txt" \
  -Dcompare.ratios="$ratios" -Dcompare.seeds="$seeds" -Dcompare.criteria="$criteria" -Dcompare.compensation="$compensation" \
  -Dcompare.evalTokens="$eval_tokens" -Dcompare.mode="$mode" -Dcompare.out="$out" ${extra[@]+"${extra[@]}"}
cat "$out"
echo
echo "wall time $(( $(date +%s) - start )) s; load average now: $(cut -d' ' -f1-3 /proc/loadavg); runs: $out.runs.tsv"
