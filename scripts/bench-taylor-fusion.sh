#!/usr/bin/env bash
# Taylor's three estimates (uniform and global allocation) and fusion next to mi, wanda-sp and flap on the demo model
# (models/kjv-llama), all with lsq compensation and the same calibration, at ~20 % and ~30 % of the model's parameters
# removed through FFN neurons: 0.375 and 0.5625 of FFN neurons are 1,327,104 and 1,990,656 of its 6,622,464
# parameters (20.0 % and 30.1 %). Runs scripts/bench-kjv.sh with that list; prints the table, keeps it under --out.
#
#   scripts/bench-taylor-fusion.sh [--seeds 0,1,2] [--out target/bench-taylor-fusion.md] [other bench-kjv.sh options]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
criteria="mi,wanda-sp,flap,taylor:vector,taylor:element,taylor:second-order,taylor:vector@global,taylor:element@global"
criteria+=",taylor:second-order@global,fusion,fusion@global"
exec "$root/scripts/bench-kjv.sh" --ratios 0.375,0.5625 --compensation lsq --seeds 0,1,2 --criteria "$criteria" \
  --out "$root/target/bench-taylor-fusion.md" "$@"
