#!/usr/bin/env bash
# Detection cost (issue: detection). Usage: bench/detect_bench.sh [EVENTS] [SIGMA_RULES_DIR]
#   1. end-to-end ingest on two cores: no rules (--no-detect), the built-in pack, and the pack
#      plus SigmaHQ's AWS rules (read from SIGMA_RULES_DIR, default ../shared/datasets/sigma-aws/rules);
#      each configuration twice, interleaved (the machine is noisy: compare within one run);
#   2. matching alone on one core: `ingest --dry-run --threads 1` (decode + normalize, no store)
#      with and without rules; the difference is what matching costs per event, and its
#      inverse is matching events/s per core.
# Every run must store all EVENTS events; alert counts are printed so a change in what fires
# is visible next to a change in speed. Prints a Markdown block for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
SIGMA="${2:-../shared/datasets/sigma-aws/rules}"
data="bench/data/ct-$N"
tw="$PWD/build/release/trailwarden"
[ -x "$tw" ] || ./scripts/build release >/dev/null
if [ ! -f "$data.done" ]; then
  rm -rf "$data"
  python3 bench/gen_cloudtrail.py --events "$N" --out "$data" --seed 1 >/dev/null
  touch "$data.done"
fi
[ -d "$SIGMA" ] || { echo "bench: no SigmaHQ rules at $SIGMA" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timed() {  # prints "seconds" of the command; its stdout goes to $tmp/out
  /usr/bin/time -f "%e" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
    rc=$?; if [ "$rc" -ne 2 ]; then cat "$tmp/err" >&2; exit 1; fi; }
  cat "$tmp/time"
}
field() { python3 -c "import json,sys; print(json.load(open('$tmp/out'))['$1'])"; }

declare -A best alerts
configs=(none pack all)
args_none=(--no-detect)
args_pack=()
args_all=(--rules "$SIGMA")
for round in 1 2 3; do
  for c in "${configs[@]}"; do
    ws="$tmp/ws-$c-$round"
    declare -n extra="args_$c"
    t=$(timed "$tw" ingest -w "$ws" --no-progress --format json "${extra[@]}" "$data")
    stored=$(field stored)
    [ "$stored" = "$N" ] || { echo "bench: $c stored $stored, expected $N" >&2; exit 1; }
    alerts[$c]="$(field alerts_raised) raised, $(field alerts_updated) folded, $(field rule_hits) hits"
    if [ -z "${best[$c]:-}" ] || awk -v a="$t" -v b="${best[$c]}" 'BEGIN {exit !(a < b)}'; then
      best[$c]=$t
    fi
    rm -rf "$ws"
  done
done

declare -A dry
for round in 1 2 3; do
  for c in none all; do
    declare -n extra="args_$c"
    t=$(timed taskset -c 0 "$tw" ingest --dry-run --threads 1 --no-progress --format json "${extra[@]}" "$data")
    if [ -z "${dry[$c]:-}" ] || awk -v a="$t" -v b="${dry[$c]}" 'BEGIN {exit !(a < b)}'; then
      dry[$c]=$t
    fi
  done
done
rules_pack=$("$tw" rules list --format csv | tail -n +2 | wc -l)
rules_all=$("$tw" rules list --rules "$SIGMA" --format csv | tail -n +2 | wc -l)

awk -v n="$N" -v tn="${best[none]}" -v tp="${best[pack]}" -v ta="${best[all]}" \
    -v dn="${dry[none]}" -v da="${dry[all]}" -v rp="$rules_pack" -v ra="$rules_all" 'BEGIN {
  printf "| configuration (2 cores, best of 3) | rules | seconds | events/s | cost vs no rules |\n|---|---|---|---|---|\n"
  printf "| no rules (--no-detect) | 0 | %.2f | %.0f | |\n", tn, n / tn
  printf "| built-in pack | %d | %.2f | %.0f | %+.1f%% |\n", rp, tp, n / tp, (tp / tn - 1) * 100
  printf "| built-in pack + SigmaHQ AWS rules | %d | %.2f | %.0f | %+.1f%% |\n\n", ra, ta, n / ta, (ta / tn - 1) * 100
  m = (da - dn) / n
  printf "| matching alone, one core (dry run, --threads 1) | value |\n|---|---|\n"
  printf "| decode + normalize, no rules | %.2f s (%.0f events/s) |\n", dn, n / dn
  printf "| decode + normalize + all %d rules | %.2f s (%.0f events/s) |\n", ra, da, n / da
  if (m > 0) printf "| matching cost | %.2f us/event = %.0f matching events/s per core |\n", m * 1e6, 1 / m
  else printf "| matching cost | below the noise of this run |\n"
}'
echo
for c in "${configs[@]}"; do echo "alerts ($c): ${alerts[$c]}"; done
