#!/usr/bin/env bash
# Weight sparsity on the demo model: perplexity of models/kjv-llama on data/kjv-valid.txt (seq 128) after wanda,
# sparsegpt and sparsellm at 50/60/70 % unstructured and 2:4 / 4:8, calibrated on data/kjv-calib.txt (32 × 128 tokens, sequential),
# then ONNX Runtime latency and ONNX file sizes of the dense export against two sparse ones. Prints markdown tables
# and keeps every run's report.json under the work folder. Nothing to install by hand: ./secateur builds itself.
#
#   scripts/bench-sparsity.sh [--methods wanda,sparsegpt,sparsellm] [--work DIR] [--keep]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
methods="wanda,sparsegpt,sparsellm"
work="$root/target/bench-sparsity"
keep=0
source "$root/scripts/options.sh"
value_options=([--methods]=methods [--work]=work)
flag_options=([--keep]=keep)
parse_options "$@"
rm -rf "$work"; mkdir -p "$work"
secateur="$root/secateur"
model="$root/models/kjv-llama"
num() { tr -d '\n ' < "$2" | sed -n "s/.*\"$1\":\([-0-9.eE]*\).*/\1/p" | head -1; }

echo "machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| method | pattern | target | zeros in linear layers | ppl (seq 128) | × dense | top-1 agreement | prune wall |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|\n'
dense_ppl=""
IFS=, read -ra list <<< "$methods"
for method in "${list[@]}"; do
  for setting in 0.5:unstructured 0.6:unstructured 0.7:unstructured 0.5:2:4 0.5:4:8; do
    sparsity="${setting%%:*}"; pattern="${setting#*:}"
    name="$method-${sparsity}-${pattern/:/of}"
    start=$(date +%s.%N)
    "$secateur" prune --model "$model" --method "$method" --sparsity "$sparsity" --pattern "$pattern" \
      --samples 32 --seq-len 128 --calibration "$root/data/kjv-calib.txt" --eval "$root/data/kjv-valid.txt" --eval-seq-len 128 \
      --device cpu --out "$work/$name" >/dev/null 2>"$work/$name.log"
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
    report="$work/$name/report.json"
    before=$(num pplBefore "$report"); after=$(num pplAfter "$report")
    dense_ppl="$before"
    printf '| %s | %s | %.0f %% | %.2f %% | %.3f | ×%.4f | %.4f | %.0f s |\n' "$method" "$pattern" "$(awk -v s="$sparsity" 'BEGIN { print s * 100 }')" \
      "$(awk -v s="$(num linearSparsity "$report")" 'BEGIN { print s * 100 }')" "$after" "$(awk -v a="$after" -v b="$before" 'BEGIN { print a / b }')" \
      "$(num top1Agreement "$report")" "$wall"
    cp "$report" "$work/$name-report.json"
  done
done
echo
echo "dense perplexity (same windows): $dense_ppl"
echo

# ONNX Runtime on the dense export and two sparse ones, timed in turn round after round
"$secateur" export --model "$model" --out "$work/dense" >/dev/null
sparse1="$work/${list[0]}-0.5-unstructured"; sparse2="$work/${list[1]:-${list[0]}}-0.5-2of4"
printf '| ONNX folder | model.onnx bytes | gzip bytes | ORT prefill 96 tokens (ms) | ORT decode (ms/token) |\n'
printf '|---|---:|---:|---:|---:|\n'
"$secateur" bench-onnx --model "$work/dense" --model "$sparse1" --model "$sparse2" --prompt 96 --decode 32 --repeats 9 \
  | while read -r line; do
      f=$(mktemp); echo "$line" > "$f"
      dir=$(sed -n 's/.*"model":"\([^"]*\)".*/\1/p' "$f")
      printf '| %s | %s | %s | %s | %s |\n' "$(basename "$dir")" "$(num onnxBytes "$f")" "$(num onnxGzipBytes "$f")" \
        "$(num ortPrefillMs "$f")" "$(num ortDecodeMsPerToken "$f")"
      rm -f "$f"
    done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $keep == 1 ]] || find "$work" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
