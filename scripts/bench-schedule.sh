#!/usr/bin/env bash
# One-shot vs adaptive schedule (vs adaptive with recovery between steps) on the demo model (models/kjv-llama), at
# FFN ratios that remove ~20 % and ~30 % of all parameters, with lsq compensation. Every final model is scored by the
# same `secateur eval` (seq 128, the first --eval-tokens of data/kjv-valid.txt), so the rows compare on one harness.
# A control row fine-tunes the one-shot model afterwards for as many recovery steps as the recovered schedule got in
# all, so recovery is not mistaken for the schedule's gain. Prints a markdown table and leaves it, with every
# run's report.json, under --out.
#
#   scripts/bench-schedule.sh [--methods mi,wanda-sp] [--ratios 0.375,0.5625] [--steps 3] [--recover-steps 20]
#                             [--compensation lsq] [--eval-tokens 16384] [--out target/bench-schedule]
# (--recover-steps 0 leaves out both recovery rows)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
methods="mi,wanda-sp"
# kjv-llama: 6 layers × 768 neurons × 3·256 weights = 53 % of its 6,622,464 parameters sit in the FFN;
# 288 and 432 neurons a layer are 20.0 % and 30.1 % of all parameters
ratios="0.375,0.5625"
steps=3
recover=20
eval_tokens=16384
compensation=lsq
out="$root/target/bench-schedule"
source "$root/scripts/options.sh"
value_options=([--methods]=methods [--ratios]=ratios [--steps]=steps [--recover-steps]=recover
  [--eval-tokens]=eval_tokens [--compensation]=compensation [--out]=out)
parse_options "$@"
[[ "$out" = /* ]] || out="$PWD/$out"
cd "$root"
model="$root/models/kjv-llama" calib="$root/data/kjv-calib.txt" valid="$root/data/kjv-valid.txt"
rm -rf "$out" && mkdir -p "$out"
tsv="$out/runs.tsv"
secs() { date +%s.%N; }
ppl() { [[ -f "$1/config.json" ]] || { echo nan; return; }; ./secateur eval --model "$1" --text "$valid" --seq-len 128 --max-tokens "$eval_tokens" --device cpu 2>/dev/null | jq -r '.perplexity'; }
dense=$(ppl "$model")
params_dense=$(./secateur inspect --model "$model" --json 2>/dev/null | jq -r '.parameters')
start=$(secs)
prune() { # name, extra options...
  local name="$1"; shift
  local t0; t0=$(secs)
  nice ./secateur prune --model "$model" --calibration "$calib" --eval "$valid" --eval-max-tokens "$eval_tokens" --device cpu \
    --compensation "$compensation" --export none --out "$out/$name" "$@" >/dev/null 2>"$out/$name.log" || { echo failed; return; }
  echo "$(echo "$(secs) - $t0" | bc)"
}
for method in ${methods//,/ }; do
  for ratio in ${ratios//,/ }; do
    base="$method-$ratio"
    t=$(prune "$base-one-shot" --method "$method" --ffn-ratio "$ratio")
    printf '%s\t%s\tone-shot\t%s\t%s\n' "$method" "$ratio" "$(ppl "$out/$base-one-shot")" "$t" >>"$tsv"
    t=$(prune "$base-adaptive" --method "$method" --ffn-ratio "$ratio" --schedule adaptive --schedule-steps "$steps")
    printf '%s\t%s\tadaptive %s steps\t%s\t%s\n' "$method" "$ratio" "$steps" "$(ppl "$out/$base-adaptive")" "$t" >>"$tsv"
    [[ "$recover" -gt 0 ]] || continue
    t=$(prune "$base-adaptive-recover" --method "$method" --ffn-ratio "$ratio" --schedule adaptive --schedule-steps "$steps" \
      --recover-steps "$recover")
    printf '%s\t%s\tadaptive %s steps + recover %s between\t%s\t%s\n' "$method" "$ratio" "$steps" "$recover" \
      "$(ppl "$out/$base-adaptive-recover")" "$t" >>"$tsv"
    # control: the same total recovery, after the one-shot run
    total=$(( recover * (steps - 1) ))
    t0=$(secs)
    nice ./secateur recover --model "$out/$base-one-shot" --text "$calib" --steps "$total" --seq-len 128 \
      --lr 3e-5 --seed 0 --device cpu --out "$out/$base-one-shot-recover" >/dev/null 2>"$out/$base-one-shot-recover.log" || true
    t=$(echo "$(secs) - $t0 + 0$(awk -F'\t' -v m="$method" -v r="$ratio" '$1==m && $2==r && $3=="one-shot" {print $5}' "$tsv")" | bc)
    printf '%s\t%s\tone-shot + recover %s after\t%s\t%s\n' "$method" "$ratio" "$total" "$(ppl "$out/$base-one-shot-recover")" "$t" >>"$tsv"
  done
done
python3 - "$tsv" "$out" "$dense" "$params_dense" "$eval_tokens" >"$out/table.md" <<'PY'
import json, sys
tsv, out, dense, params, tokens = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print("| method | FFN ratio | params removed | schedule | perplexity | ppl / dense | wall s |")
print("|---|---:|---:|---|---:|---:|---:|")
for line in open(tsv):
    method, ratio, sched, p, t = line.rstrip("\n").split("\t")
    after = json.load(open(f"{out}/{method}-{ratio}-one-shot/report.json"))["summary"]["paramsAfter"]
    ok = p not in ("nan", "null", "") and t not in ("failed", "")
    print(f"| {method} | {ratio} | {100 * (params - after) / params:.1f} % | {sched} | "
          + (f"{float(p):.3f} | ×{float(p) / dense:.5f} | {float(t):.0f} |" if ok else "failed | | |"))
print()
print(f"dense perplexity {dense:.3f} (seq 128, first {tokens} tokens of data/kjv-valid.txt)")
PY
cat "$out/table.md"
echo
echo "wall time $(echo "$(secs) - $start" | bc | cut -d. -f1) s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
