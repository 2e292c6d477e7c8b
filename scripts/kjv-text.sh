#!/bin/sh
# Plain-text King James Bible for the demo model, from Debian's bible-kjv-text package.
#   apt-get install -y bible-kjv bible-kjv-text   (the `bible` reader decodes /usr/lib/bible.data)
# Writes, one verse per line, without verse references:
#   data/kjv-train.txt  the first 95% of verses (Genesis .. Colossians 4:4; not committed, ~3.9 MB)
#   data/kjv-valid.txt  the last 5% of verses, Colossians 4:5 .. Revelation (held out for validation perplexity)
#   data/kjv-calib.txt  every 40th training verse (pruning calibration text, ~100 KB)
# Rerunning it reproduces the same files byte for byte.
set -eu
cd "$(dirname "$0")/.."
out=${1:-data}
if ! command -v bible >/dev/null 2>&1; then
  echo "kjv-text.sh: the 'bible' program is missing: apt-get install -y bible-kjv bible-kjv-text" >&2
  exit 1
fi
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# -f turns pretty-printing off: one verse per line, "Ge1:1 In the beginning ...". Strip the reference.
bible -f 'Gen1:1-Rev22:21' | sed -E 's/^[^ ]+ //' > "$tmp"
total=$(wc -l < "$tmp")
if [ "$total" -ne 31102 ]; then
  echo "kjv-text.sh: expected 31102 verses, got $total" >&2
  exit 1
fi
valid=$(( total / 20 ))
train=$(( total - valid ))
head -n "$train" "$tmp" > "$out/kjv-train.txt"
tail -n "$valid" "$tmp" > "$out/kjv-valid.txt"
awk 'NR % 40 == 0' "$out/kjv-train.txt" > "$out/kjv-calib.txt"
wc -lc "$out/kjv-train.txt" "$out/kjv-valid.txt" "$out/kjv-calib.txt"
