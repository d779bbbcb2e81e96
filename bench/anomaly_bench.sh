#!/usr/bin/env bash
# Cost of enrichment and the anomaly policies at ingest (issue 5: at most 15 % of throughput).
# Usage: bench/anomaly_bench.sh [DAYS] [USERS]
#   1. `trailwarden simulate` writes an organisation's logs (default 60 days, 4 accounts, 60
#      people: about 1M events) with labelled attacks, its geo-IP database and lists; hourly
#      files per account-region (--file-minutes 60) so that per-file costs do not hide the
#      per-event ones;
#   2. times `trailwarden ingest` three ways on the same files, best of two runs each:
#        rules only               --no-geoip --no-policies
#        rules + enrichment       --geoip sim-city.mmdb --lists DIR --no-policies
#        rules + enrichment + policies (the default with --geoip and --lists)
#   3. checks that every run stored every event, and prints a Markdown block for
#      bench/RESULTS.md with events/s and the cost relative to rules only.
set -euo pipefail
cd "$(dirname "$0")/.."
DAYS="${1:-60}"
USERS="${2:-60}"
tw="$PWD/build/release/trailwarden"
[ -x "$tw" ] || ./scripts/build release >/dev/null
data="bench/data/sim-$DAYS-$USERS"
if [ ! -f "$data.done" ]; then
  rm -rf "$data"
  "$tw" simulate --days "$DAYS" --accounts 4 --users "$USERS" --seed 1 --file-minutes 60 \
    --attacks all -o "$data" >/dev/null
  touch "$data.done"
fi
events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$data/manifest.json")
files=$(find "$data/logs" -name '*.json.gz' | wc -l)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() {  # best of two wall-clock times of an ingest into a fresh workspace; checks stored rows
  local name="$1"; shift
  local best_t=""
  for run in 1 2; do
    rm -rf "$tmp/ws"
    /usr/bin/time -f "%e" -o "$tmp/time" "$tw" ingest -w "$tmp/ws" --no-progress --format json "$@" \
      "$data/logs" >"$tmp/out" 2>"$tmp/err" || {
      rc=$?; if [ "$rc" -ne 2 ]; then echo "bench: $name failed" >&2; cat "$tmp/err" >&2; exit 1; fi; }
    stored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stored"])' "$tmp/out")
    [ "$stored" = "$events" ] || { echo "bench: $name stored $stored of $events events" >&2; exit 1; }
    t=$(cat "$tmp/time")
    if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN {exit !(a < b)}'; then best_t="$t"; fi
  done
  cp "$tmp/out" "$tmp/$name.json"
  echo "$best_t"
}

geo=(--geoip "$data/geoip/sim-city.mmdb" --lists "$data/lists")
t_rules=$(best rules --no-geoip --no-policies)
t_enrich=$(best enrich "${geo[@]}" --no-policies)
t_all=$(best all "${geo[@]}")
alerts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["alerts_raised"])' "$tmp/all.json")

awk -v n="$events" -v files="$files" -v tr="$t_rules" -v te="$t_enrich" -v ta="$t_all" \
    -v days="$DAYS" -v users="$USERS" -v alerts="$alerts" 'BEGIN {
  printf "## Enrichment and anomaly policies: `bench/anomaly_bench.sh %s %s`\n\n", days, users
  printf "Data: `trailwarden simulate --days %s --accounts 4 --users %s --seed 1 --file-minutes 60` — %d events in %d files.\n\n", days, users, n, files
  printf "| ingest | seconds (best of 2) | events/s | cost vs rules only |\n|---|---|---|---|\n"
  printf "| rules only (`--no-geoip --no-policies`) | %.2f | %.0f | — |\n", tr, n / tr
  printf "| rules + enrichment (`--geoip --lists --no-policies`) | %.2f | %.0f | %+.1f %% |\n", te, n / te, 100 * (te - tr) / tr
  printf "| rules + enrichment + 11 policies | %.2f | %.0f | %+.1f %% |\n", ta, n / ta, 100 * (ta - tr) / tr
  printf "\nAlerts raised with everything on: %d. Target: enrichment and policies together cost at most 15 %%.\n", alerts
}'
