#!/usr/bin/env bash
# End-to-end ingest benchmark (issue: the spine). Usage: bench/ingest_bench.sh [EVENTS]
#   1. generates EVENTS realistic CloudTrail events as S3-layout .json.gz files (seeded);
#   2. times `trailwarden ingest --no-detect` on two cores and on one core (taskset), with peak
#      RSS (storage alone, comparable with the figures before detection existed; the cost of
#      the rules is bench/detect_bench.sh's);
#   3. measures stored bytes per event against the gzip'd input's bytes per event;
#   4. times `zcat | jq` filtering the same files, and a selective hunt (one EventName, one
#      identity, one source IP) against jq answering the same question. The two answers
#      must agree, or the benchmark fails: a fast wrong answer is no result.
# Prints a Markdown block to paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
data="bench/data/ct-$N"
tw="$PWD/build/release/trailwarden"
[ -x "$tw" ] || ./scripts/build release >/dev/null
if [ ! -f "$data.done" ]; then
  rm -rf "$data"
  python3 bench/gen_cloudtrail.py --events "$N" --out "$data" --seed 1 >/dev/null
  touch "$data.done"
fi
list=$(mktemp)
find "$data" -name '*.json.gz' | LC_ALL=C sort > "$list"
files=$(wc -l < "$list")
gz_bytes=$(xargs -a "$list" stat -c %s | awk '{s += $1} END {print s}')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$list"' EXIT

timed() {  # prints "seconds max_rss_kb" of the command
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
    rc=$?; if [ "$rc" -ne 2 ]; then cat "$tmp/err" >&2; exit 1; fi; }
  cat "$tmp/time"
}

read -r t2 rss2 < <(timed "$tw" ingest -w "$tmp/ws2" --no-detect --no-progress --format json "$data")
summary2=$(cat "$tmp/out")
read -r t1 rss1 < <(timed taskset -c 0 "$tw" ingest --no-detect --threads 1 -w "$tmp/ws1" --no-progress "$data")
read -r t2b rss2b < <(timed "$tw" ingest -w "$tmp/ws3" --no-detect --no-progress "$data")
ws_bytes=$(du -sb "$tmp/ws2" | cut -f1)
stored=$("$tw" hunt -w "$tmp/ws2" --format csv "SELECT count(*) FROM AWSCloudTrail" | tail -n 1 | tr -d '\r')
[ "$stored" = "$N" ] || { echo "bench: stored $stored events, expected $N" >&2; exit 1; }

# A selective question: one EventName, one identity, one source IP (a mid-frequency triple).
read -r en arn ip < <("$tw" hunt -w "$tmp/ws2" --format csv \
  "SELECT EventName, UserIdentityArn, SourceIpAddress FROM AWSCloudTrail WHERE UserIdentityArn IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1, 2, 3 LIMIT 1 OFFSET 40" \
  | tail -n 1 | tr -d '\r' | tr ',' ' ')
sql="SELECT count(*) FROM AWSCloudTrail WHERE EventName = '$en' AND UserIdentityArn = '$arn' AND SourceIpAddress = '$ip'"
read -r th _ < <(timed "$tw" hunt -w "$tmp/ws2" --format csv "$sql")
hunt_n=$(tail -n 1 "$tmp/out" | tr -d '\r')
jq_select=".Records[] | select(.eventName == \"$en\" and .userIdentity.arn == \"$arn\" and .sourceIPAddress == \"$ip\") | .eventID"
read -r tj _ < <(timed bash -c "xargs -a '$list' zcat | jq -c '$jq_select' | wc -l")
jq_n=$(tr -d ' ' < "$tmp/out")
[ "$hunt_n" = "$jq_n" ] || { echo "bench: hunt found $hunt_n, jq found $jq_n" >&2; exit 1; }
# What zcat | jq needs just to read and filter every record (the cheapest useful filter).
read -r tjf _ < <(timed bash -c "xargs -a '$list' zcat | jq -c '.Records[] | select(.eventName == \"$en\") | .eventID' | wc -l")

awk -v n="$N" -v files="$files" -v gz="$gz_bytes" -v ws="$ws_bytes" -v t2="$t2" -v t2b="$t2b" \
    -v t1="$t1" -v rss2="$rss2" -v rss1="$rss1" -v th="$th" -v tj="$tj" -v tjf="$tjf" \
    -v hn="$hunt_n" -v en="$en" 'BEGIN {
  best2 = (t2 < t2b) ? t2 : t2b
  printf "| events | files | gz input B/event | stored B/event | stored / gz |\n|---|---|---|---|---|\n"
  printf "| %d | %d | %.1f | %.1f | %.2f |\n\n", n, files, gz / n, ws / n, ws / gz
  printf "| measure | value |\n|---|---|\n"
  printf "| ingest, 2 cores (best of 2: %.2f s, %.2f s) | %.0f events/s |\n", t2, t2b, n / best2
  printf "| ingest, 1 core (taskset -c 0, --threads 1) | %.0f events/s (%.2f s) |\n", n / t1, t1
  printf "| peak RSS, 2 cores / 1 core | %.0f MiB / %.0f MiB |\n", rss2 / 1024, rss1 / 1024
  printf "| zcat \\| jq, filter by eventName only | %.2f s (%.0f events/s) |\n", tjf, n / tjf
  printf "| ingest (2 cores) vs zcat \\| jq filter | %.1fx faster |\n", tjf / best2
  printf "| selective hunt (EventName + identity + IP, %s rows), whole command | %.3f s |\n", hn, th
  printf "| zcat \\| jq, same question | %.2f s |\n", tj
  printf "| hunt vs zcat \\| jq | %.0fx faster |\n", tj / th
}'
echo
echo "ingest summary (2 cores): $summary2"
