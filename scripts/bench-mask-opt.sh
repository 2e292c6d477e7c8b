#!/usr/bin/env bash
# mask-opt with global allocation against uniform criteria at the same parameter budget on the demo model
# (models/kjv-llama, or --model), all with lsq compensation: perplexity ratio to dense (seq 128 or --seq-len, first 16384 tokens of
# data/kjv-valid.txt), mean ± sd over calibration seeds, and wall time per run. The uniform criteria get the FFN ratio
# that removes as many neurons as the parameter budget (round(R × parameters / parameters per neuron)), spread evenly.
# One command from a fresh clone (./secateur builds the jar on first use). Prints the markdown table and leaves it
# (and one TSV line per run) under --out.
#
# mask-opt in --uniform runs with per-layer budgets (--allocation uniform, the same FFN ratio as the uniform criteria).
#
#   scripts/bench-mask-opt.sh [--budgets 0.2,0.3] [--seeds 0,1,2] [--global mask-opt,mi] [--uniform mi,wanda-sp,flap]
#                             [--out target/bench-mask-opt] [--model models/kjv-llama] [--seq-len 128]
#                             [-- extra mask-opt options, e.g. --mask-select search or --mask-iterations 20]
# (--global mi-error: mi with --allocation global-error, one ranking over mi's raw costs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
budgets="0.2,0.3"
seeds="0,1,2"
uniform="mi,wanda-sp,flap"
global="mask-opt,mi"
out="$root/target/bench-mask-opt"
model="$root/models/kjv-llama"
seq_len=128
extra=()
source "$root/scripts/options.sh"
value_options=([--budgets]=budgets [--seeds]=seeds [--uniform]=uniform [--global]=global [--out]=out [--model]=model
  [--seq-len]=seq_len)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    *) take_option "$@"; shift "$taken" ;;
  esac
done
[[ "$out" = /* ]] || out="$PWD/$out"
model="$(cd "$model" && pwd)"
mkdir -p "$out"
tsv="$out/runs.tsv"
printf 'config\tbudget\tseed\tffnRatio\tparamsBefore\tparamsAfter\tpplBefore\tpplAfter\tratio\twallSeconds\tmaskSeconds\n' > "$tsv"
# parameters, FFN neurons and parameters per neuron, from config.json (gated: gate + up rows and a down column)
read -r neurons per_neuron < <(python3 -c "
import json,sys; c=json.load(open('$model/config.json'))
h=c['hidden_size']; n=c['intermediate_size']*c['num_hidden_layers']; gated=c['model_type']!='gpt2'
print(n, (3 if gated else 2)*h)")
table() {
python3 - "$tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
budgets = sorted({r["budget"] for r in rows})
configs = list(dict.fromkeys(r["config"] for r in rows))
print("| method (lsq) | " + " | ".join(f"{float(b)*100:.0f} % of parameters: ppl ratio (mean ± sd) | params removed | wall s" for b in budgets) + " |")
print("|---|" + "---:|---:|---:|" * len(budgets))
for c in configs:
    cells = []
    for b in budgets:
        rs = [r for r in rows if r["config"] == c and r["budget"] == b]
        if not rs:
            cells += ["", "", ""]
            continue
        v = [float(r["ratio"]) for r in rs]
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        removed = 1 - float(rs[0]["paramsAfter"]) / float(rs[0]["paramsBefore"])
        cells += [f"×{statistics.mean(v):.5f} ± {sd:.5f} (n={len(v)})", f"{removed*100:.2f} %", f"{statistics.mean(float(r['wallSeconds']) for r in rs):.0f}"]
    print(f"| {c} | " + " | ".join(cells) + " |")
PY
}
run() { # config budget seed ffnRatio args...
  local config="$1" budget="$2" seed="$3" ratio="$4"; shift 4
  local dir="$out/run-$config-$budget-$seed" t0 t1 line
  rm -rf "$dir"
  t0=$(date +%s.%N)
  line=$(nice "$root/secateur" prune --model "$model" --compensation lsq --calibration "$root/data/kjv-calib.txt" \
    --eval "$root/data/kjv-valid.txt" --eval-max-tokens 16384 --seq-len "$seq_len" --eval-seq-len "$seq_len" --export none --seed "$seed" --out "$dir" "$@" 2> "$dir.log" | tail -1)
  t1=$(date +%s.%N)
  python3 - "$config" "$budget" "$seed" "$ratio" "$t0" "$t1" "$line" >> "$tsv" <<'PY'
import json, sys
config, budget, seed, ratio, t0, t1, line = sys.argv[1:]
s = json.loads(line)["summary"]
print("\t".join([config, budget, seed, ratio, str(s["paramsBefore"]), str(s["paramsAfter"]), "%.4f" % s["pplBefore"], "%.4f" % s["pplAfter"],
                 "%.6f" % (s["pplAfter"] / s["pplBefore"]), "%.1f" % (float(t1) - float(t0)), "%.1f" % s["timings"].get("mask", 0)]))
PY
  tail -1 "$tsv"
  rm -rf "$dir"
  table > "$out/table.md"
}
params=$(python3 -c "
import json,glob,struct
n=0
for f in glob.glob('$model/*.safetensors'):
    b=open(f,'rb'); k=struct.unpack('<Q',b.read(8))[0]; h=json.loads(b.read(k))
    for name,t in h.items():
        if name!='__metadata__':
            p=1
            for d in t['shape']: p*=d
            n+=p
print(n)")
start=$(date +%s)
for seed in ${seeds//,/ }; do
for budget in ${budgets//,/ }; do
  removed=$(python3 -c "print(round($budget*$params/$per_neuron))")
  layers=$(python3 -c "import json; print(json.load(open('$model/config.json'))['num_hidden_layers'])")
  width=$((neurons / layers))
  # uniform: the same count in every layer, round(removed / layers), as an FFN ratio that rounds back to it
  per_layer=$(python3 -c "print(round($removed/$layers))")
  r_uniform=$(python3 -c "print('%.6f' % ($per_layer/$width))")
  r_global=$(python3 -c "print('%.6f' % ($removed/$neurons))")
  for c in ${global//,/ }; do
    if [[ "$c" == mask-opt ]]; then
      run mask-opt-global "$budget" "$seed" "$r_global" --method mask-opt --allocation global --param-ratio "$budget" ${extra[@]+"${extra[@]}"}
    elif [[ "$c" == mi-error ]]; then
      run mi-global-error "$budget" "$seed" "$r_global" --method mi --allocation global-error --ffn-ratio "$r_global"
    else
      run "$c-global" "$budget" "$seed" "$r_global" --method "$c" --allocation global --ffn-ratio "$r_global"
    fi
  done
  for c in ${uniform//,/ }; do
    if [[ "$c" == mask-opt ]]; then
      run mask-opt-uniform "$budget" "$seed" "$r_uniform" --method mask-opt --ffn-ratio "$r_uniform" ${extra[@]+"${extra[@]}"}
    else
      run "$c-uniform" "$budget" "$seed" "$r_uniform" --method "$c" --ffn-ratio "$r_uniform"
    fi
  done
done
done
table > "$out/table.md"
cat "$out/table.md"
echo
echo "wall time $(( $(date +%s) - start )) s; load average now: $(cut -d' ' -f1-3 /proc/loadavg); runs: $tsv"
