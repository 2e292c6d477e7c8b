#!/usr/bin/env bash
# Sheared target shape on the demo model: models/kjv-llama (6.6M parameters) pruned to one uniform architecture at
# ~50 % of its parameters (default layers=5,hidden=192,kv-heads=1,ffn=512), calibrated on data/kjv-calib.txt
# (32 × 128 tokens, sequential), perplexity on data/kjv-valid.txt (seq 128, 51,200 tokens) for each method and for the
# RMSNorm rescaling and compensation variants, then `recover` (continued pre-training) of the default result and,
# as the control, of the dense model for the same steps, and the ONNX export sizes. Prints markdown tables.
#
#   scripts/bench-target-shape.sh [--part shape|hidden|recover|all] [--shape S] [--hidden H] [--steps N] [--lr LR] [--recover-text FILE] [--work DIR] [--keep]
#
# --part shape: the table above, recover and export sizes; --part hidden: the hidden cut alone (hidden=H, default 192,
# nothing else removed), which isolates the RMSNorm rescaling (compensation none) and the least-squares fold of the
# removed channels (lsq: with nothing else cut, the fold is all lsq does); --part recover: only the recover and export
# step, on the mi-lsq result an earlier `--part shape --keep` left in --work; all (default): every part.
# recover runs at --lr 1e-4, the command's default (at 3e-4, its first default, the mi-lsq result reached NaN at step 43).
# --recover-text defaults to data/kjv-train.txt when scripts/kjv-text.sh has made it, else data/kjv-calib.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shape="layers=5,hidden=192,kv-heads=1,ffn=512"
hidden=192
part=all
steps=200
lr=1e-4
work="$root/target/bench-target-shape"
recover_text=""
keep=0
source "$root/scripts/options.sh"
value_options=([--shape]=shape [--hidden]=hidden [--part]=part [--steps]=steps [--lr]=lr [--recover-text]=recover_text
  [--work]=work)
flag_options=([--keep]=keep)
parse_options "$@"
if [[ -z "$recover_text" ]]; then
  recover_text="$root/data/kjv-train.txt"
  [[ -f "$recover_text" ]] || recover_text="$root/data/kjv-calib.txt"
fi
[[ $part == recover ]] || rm -rf "$work"
mkdir -p "$work"
secateur="$root/secateur"
model="$root/models/kjv-llama"
num() { tr -d '\n ' < "$2" | sed -n "s/.*\"$1\":\([-0-9.eE]*\).*/\1/p" | head -1; }

header() {
  printf '| method | compensation | norm-scale | parameters | × dense | ppl (seq 128) | × dense | top-1 agreement | prune wall |\n'
  printf '|---|---|---|---:|---:|---:|---:|---:|---:|\n'
}
run() { # name method compensation norm-scale [shape]
  local name="$1" method="$2" comp="$3" norm="$4" shape="${5:-$shape}" start wall report before after
  start=$(date +%s.%N)
  "$secateur" prune --model "$model" --method "$method" --compensation "$comp" --target-shape "$shape,norm-scale=$norm" \
    --samples 32 --seq-len 128 --calibration "$root/data/kjv-calib.txt" --eval "$root/data/kjv-valid.txt" --eval-seq-len 128 \
    --device cpu --out "$work/$name" >/dev/null 2>"$work/$name.log"
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  report="$work/$name/report.json"
  before=$(num pplBefore "$report"); after=$(num pplAfter "$report")
  printf '| %s | %s | %s | %s | ×%.3f | %.3f | ×%.4f | %.4f | %.0f s |\n' "$method" "$comp" "$norm" "$(num paramsAfter "$report")" \
    "$(awk -v a="$(num paramsAfter "$report")" -v b="$(num paramsBefore "$report")" 'BEGIN { print a / b }')" "$after" \
    "$(awk -v a="$after" -v b="$before" 'BEGIN { print a / b }')" "$(num top1Agreement "$report")" "$wall"
  echo "$before" > "$work/dense-ppl"
}
echo "machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
if [[ $part == all || $part == hidden ]]; then
  echo "hidden cut alone: hidden=$hidden"
  echo
  header
  for norm in none sqrt calibrated; do
    run "hidden-mi-none-$norm" mi none "$norm" "hidden=$hidden"
  done
  for norm in none calibrated; do
    run "hidden-mi-lsq-$norm" mi lsq "$norm" "hidden=$hidden"
  done
  for m in magnitude wanda-sp flap random; do
    run "hidden-$m-none-none" "$m" none none "hidden=$hidden"
  done
  echo
  echo "dense perplexity (same windows): $(cat "$work/dense-ppl")"
  echo
fi
[[ $part == all || $part == shape || $part == recover ]] || { echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"; [[ $keep == 1 ]] || find "$work" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +; exit 0; }
if [[ $part != recover ]]; then
echo "target shape: $shape"
echo
header
run mi-lsq mi lsq calibrated
run mi-lsq-sqrt mi lsq sqrt
run mi-lsq-none mi lsq none
run mi-bias mi bias calibrated
run mi-none mi none calibrated
for m in magnitude wanda-sp flap random; do
  run "$m-lsq" "$m" lsq calibrated
  run "$m-lsq-none" "$m" lsq none
done
echo
echo "dense: $(num paramsBefore "$work/mi-lsq/report.json") parameters, perplexity $(cat "$work/dense-ppl") (same windows)"
echo
fi

# continued pre-training of the default result, and of the dense model as the control
echo "recover: $steps steps × 8 windows × 128 tokens at peak lr $lr on $(basename "$recover_text"), evaluated on kjv-valid.txt (seq 128)"
echo
printf '| model | ppl before recover | ppl after | recover wall |\n'
printf '|---|---:|---:|---:|\n'
for m in mi-lsq dense; do
  src="$work/$m"; [[ $m == dense ]] && src="$model"
  rm -rf "$work/$m-recovered"
  start=$(date +%s.%N)
  "$secateur" recover --model "$src" --text "$recover_text" --eval-text "$root/data/kjv-valid.txt" --steps "$steps" --lr "$lr" \
    --seq-len 128 --batch 8 --device cpu --out "$work/$m-recovered" > "$work/$m-recover.json" 2>"$work/$m-recover.log"
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  printf '| %s | %.3f | %.3f | %.0f s |\n' "$m" "$(num pplBeforeRecovery "$work/$m-recover.json")" \
    "$(num pplAfterRecovery "$work/$m-recover.json")" "$wall"
done
echo

"$secateur" export --model "$model" --out "$work/dense-onnx" >/dev/null
"$secateur" export --model "$work/mi-lsq-recovered" --out "$work/recovered-onnx" >/dev/null
printf '| ONNX export | model.onnx bytes |\n|---|---:|\n'
printf '| dense | %s |\n| %s (pruned, from prune) | %s |\n| %s recovered | %s |\n' "$(stat -c %s "$work/dense-onnx/model.onnx")" "$shape" \
  "$(stat -c %s "$work/mi-lsq/model.onnx")" "$shape" "$(stat -c %s "$work/recovered-onnx/model.onnx")"
echo
echo "ONNX Runtime perplexity of the recovered export: $("$secateur" eval --model "$work/recovered-onnx" --text "$root/data/kjv-valid.txt" --seq-len 128 2>/dev/null)"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $keep == 1 ]] || find "$work" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
