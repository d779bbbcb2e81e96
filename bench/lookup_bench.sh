#!/usr/bin/env bash
# LookupEvents collection rate against the emulator (tests/emulators/cloudtrail_emulator.py),
# as a fraction of the API's ceiling of 2 requests/s x 50 events = 100 events/s per
# account-region, for 1, 4 and 16 account-regions collected in parallel, with the throttled
# requests the emulator counted (sliding 1 s window, 2 requests per account-region).
#
# Usage: bench/lookup_bench.sh [EVENTS_PER_ACCOUNT_REGION] [SCOPES...]
#   default 3000 events (60 full pages, ~31 s at the pace of 1.92 requests/s) and 1 4 16.
# TRAILWARDEN_BIN picks the binary (default build/release/trailwarden, else build/dev).
# Prints a Markdown table to paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-3000}"
shift || true
SCOPES=("$@")
[ ${#SCOPES[@]} -gt 0 ] || SCOPES=(1 4 16)
tw="${TRAILWARDEN_BIN:-}"
if [ -z "$tw" ]; then
  tw="$PWD/build/release/trailwarden"
  [ -x "$tw" ] || tw="$PWD/build/dev/trailwarden"
fi
[ -x "$tw" ] || { echo "no trailwarden binary (set TRAILWARDEN_BIN)" >&2; exit 1; }
tmp=$(mktemp -d)
emu_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "| account-regions | events stored | command wall seconds | fraction of ceiling per account-region (min / mean / max) | end to end (whole command) | requests | throttled |"
echo "|---|---|---|---|---|---|---|"
for n in "${SCOPES[@]}"; do
  case "$n" in
    1) accounts=1 regions=1 ;;
    4) accounts=2 regions=2 ;;
    16) accounts=4 regions=4 ;;
    *) accounts="$n" regions=1 ;;
  esac
  acct_list=$(python3 -c "print(','.join(str(111111111111 * (i + 1))[:12] for i in range($accounts)))")
  region_list=$(python3 -c "r=['us-east-1','eu-west-1','ap-south-1','sa-east-1','us-west-2','eu-central-1'];print(','.join(r[:$regions]))")
  rm -f "$tmp/port"
  python3 tests/emulators/cloudtrail_emulator.py --port 0 --port-file "$tmp/port" \
    --accounts "$acct_list" --regions "$region_list" --generate "$N" --rate 200 \
    --external-id bench >/dev/null 2>"$tmp/emu.log" &
  emu_pid=$!
  for _ in $(seq 300); do [ -f "$tmp/port" ] && break; sleep 0.1; done
  port=$(cat "$tmp/port")
  roles=()
  IFS=, read -ra accts <<< "$acct_list"
  for a in "${accts[@]}"; do roles+=(--role-arn "arn:aws:iam::$a:role/Bench"); done
  rm -rf "$tmp/ws"
  t0=$(date +%s.%N)
  env -i PATH="$PATH" HOME="$tmp" TZ=UTC AWS_ACCESS_KEY_ID=AKIDEMULATOR00000000 \
    AWS_SECRET_ACCESS_KEY='emulator/secret+key' AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$tw" collect lookup-events -w "$tmp/ws" "${roles[@]}" --external-id bench --regions all \
    --since 1m --no-detect --format json > "$tmp/out.json"
  t1=$(date +%s.%N)
  curl -s "http://127.0.0.1:$port/_emulator/stats" > "$tmp/stats.json"
  kill "$emu_pid"; wait "$emu_pid" 2>/dev/null || true; emu_pid=""
  python3 - "$tmp/out.json" "$tmp/stats.json" "$n" "$(echo "$t1 - $t0" | bc)" <<'EOF'
import json, sys
out = json.load(open(sys.argv[1])); stats = json.load(open(sys.argv[2])); n = int(sys.argv[3])
cs = out["collectors"]
assert len(cs) == n, (len(cs), n)
assert all(c["caught_up"] for c in cs), cs
# Per account-region, from the emulator's clock: events served over the time the requests
# took, counting the last request's own half-second slot (N requests at exactly 2/s span
# (N-1)/2 s and may carry 50 N events: 100% of the ceiling).
fr = []
for st in stats["scopes"].values():
    span = st["last_admitted"] - st["first_admitted"] + 0.5
    fr.append(st["events_served"] / span / 100.0)
assert len(fr) == n
events = out["stored"]
reqs = sum(s["requests"] for s in stats["scopes"].values())
thr = sum(s["throttled"] for s in stats["scopes"].values())
wall = float(sys.argv[4])  # the whole command: AssumeRole, DescribeRegions, workspace, commit
print("| %d | %d | %.1f | %.1f%% / %.1f%% / %.1f%% | %.1f%% | %d | %d |" % (
    n, events, wall, 100 * min(fr), 100 * sum(fr) / n, 100 * max(fr),
    100 * events / n / wall / 100.0, reqs, thr))
EOF
done
