#!/usr/bin/env bash
# Peak memory and wall time of one prune job per model size, on random-weight checkpoints of real architectures'
# exact shapes (./secateur make-random), with wanda-sp removing 20 % of FFN neurons. Prints a markdown table and
# keeps each job's report.json under the work folder. Nothing to install by hand: ./secateur builds itself.
#
#   scripts/bench-scale.sh [--shapes demo,smollm-360m,tinyllama-1.1b,llama-2-7b] [--work DIR] [--keep]
#
# Disk: the 7B shape needs about 36 GB under --work (13.5 GB source, 11 GB pruned checkpoint, 11 GB fp16 ONNX);
# each shape's folder is deleted after its row unless --keep.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shapes="demo,smollm-360m,tinyllama-1.1b,llama-2-7b"
work="$root/target/bench-scale"
keep=0
source "$root/scripts/options.sh"
value_options=([--shapes]=shapes [--work]=work)
flag_options=([--keep]=keep)
parse_options "$@"
mkdir -p "$work"
secateur="$root/secateur"
num() { sed -n "s/.*\"$1\" *: *\([-0-9.eE]*\).*/\1/p" "$2" | head -1; }

printf '| shape | parameters | on disk | calibration | compensation | JVM heap | peak RSS | wall | phases (s) | ppl before → after |\n'
printf '|---|---:|---:|---|---|---:|---:|---:|---|---|\n'
IFS=, read -ra list <<< "$shapes"
for shape in "${list[@]}"; do
  dir="$work/$shape"
  rm -rf "$dir"; mkdir -p "$dir"
  samples=32; comp=lsq; heap=1200m; export_precision=fp32; evaltok=2048
  case "$shape" in
    demo) model="$root/models/kjv-llama"; heap=1g ;;
    llama-2-7b|phi-3-mini|granite-3.3-2b|olmo-2-1b|stablelm-2-1.6b|starcoder2-3b|pythia-1b|internlm2.5-1.8b|minicpm-2b|phi-2|gpt-j-6b|opt-1.3b) samples=8; comp=bias; heap=2g; export_precision=fp16; evaltok=512 ;;
    # minitron-4b: an untied 256k × 3072 embedding and head, 3.1 GB as floats each
    minitron-4b) samples=8; comp=bias; heap=8g; export_precision=fp16; evaltok=512 ;;
    # gemma-2-2b: its 256k × 2304 token embedding (2.4 GB as floats) is held whole when written and exported;
    # gemma-2b: 256k × 2048 embedding (2.1 GB as floats), and the widest FFN here (16,384)
    # falcon-7b: its tied 65k × 4544 embedding, 1.2 GB as floats
    gemma-2-2b|gemma-2b|falcon-7b) samples=8; comp=bias; heap=3g; export_precision=fp16; evaltok=512 ;;
    # 262k × 1152 embedding: 1.2 GB as floats
    gemma-3-1b) samples=8; comp=bias; heap=2g; export_precision=fp16; evaltok=512 ;;
  esac
  if [[ "$shape" != demo ]]; then
    model="$dir/model"
    "$secateur" make-random --shape "$shape" --dtype bf16 --shards 2 --tokenizer "$root/models/kjv-llama/tokenizer.json" --out "$model" >/dev/null
  fi
  params=$("$secateur" inspect --model "$model" --json | sed -n 's/.*"parameters":\([0-9]*\).*/\1/p')
  bytes=$(du -sb "$model" | cut -f1)
  start=$(date +%s.%N)
  JAVA_OPTS="-Xmx$heap" "$secateur" prune --model "$model" --method wanda-sp --ffn-ratio 0.2 --compensation "$comp" \
    --samples "$samples" --seq-len 128 --calibration "$root/data/kjv-calib.txt" --eval "$root/data/kjv-valid.txt" \
    --eval-max-tokens "$evaltok" --export "$export_precision" --device cpu --out "$dir/pruned" >/dev/null 2>"$dir/prune.log"
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  report="$dir/pruned/report.json"
  rss=$(num peakRssBytes "$report")
  phases=$(tr -d '\n ' < "$report" | sed -n 's/.*"timings":{\([^}]*\)}.*/\1/p' | sed 's/"//g; s/:/ /g; s/,/, /g' \
    | awk -F', ' '{for (i=1;i<=NF;i++){split($i,a," "); printf "%s%s %.1f", (i>1?", ":""), a[1], a[2]}}')
  before=$(num pplBefore "$report"); after=$(num pplAfter "$report")
  printf '| %s | %s | %.2f GB | %d × 128 | %s | %s | %.2f GB | %.0f s | %s | %.2f → %.2f |\n' "$shape" "$params" \
    "$(awk -v b="$bytes" 'BEGIN { print b / 1e9 }')" "$samples" "$comp" "$heap" "$(awk -v b="$rss" 'BEGIN { print b / 1e9 }')" \
    "$wall" "$phases" "$before" "$after"
  cp "$report" "$work/$shape-report.json"
  [[ $keep == 1 ]] || rm -rf "$dir"
done
