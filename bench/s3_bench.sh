#!/usr/bin/env bash
# S3 collection benchmark (issue 4). Usage: bench/s3_bench.sh [EVENTS]
#   1. generates EVENTS CloudTrail events as S3-layout .json.gz files (bench/gen_cloudtrail.py,
#      seeded; the same data as ingest_bench.sh);
#   2. uploads them to a local moto_server bucket under the same keys;
#   3. times `trailwarden collect s3 --no-detect` from moto, and `trailwarden ingest --no-detect`
#      of the same files read locally, and checks both stored exactly EVENTS events;
#   4. prints the rates and the ratio (target: collect s3 >= 80% of ingest).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
data="bench/data/ct-$N"
tw="$PWD/build/release/trailwarden"
[ -x "$tw" ] || ./scripts/build release >/dev/null
command -v moto_server >/dev/null || { echo "s3_bench: moto_server is not installed" >&2; exit 1; }
if [ ! -f "$data.done" ]; then
  rm -rf "$data"
  python3 bench/gen_cloudtrail.py --events "$N" --out "$data" --seed 1 >/dev/null
  touch "$data.done"
fi
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$tmp"' EXIT
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done

# Upload every file under its key (relative path), 16 at a time.
python3 - "$data" "$AWS_ENDPOINT_URL" <<'PY'
import boto3, os, sys
from concurrent.futures import ThreadPoolExecutor
root, url = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
s3.create_bucket(Bucket="bench-logs")
paths = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".json.gz")]
def put(p):
    with open(p, "rb") as fh:
        s3.put_object(Bucket="bench-logs", Key=os.path.relpath(p, root), Body=fh.read())
with ThreadPoolExecutor(16) as ex:
    list(ex.map(put, paths))
print(len(paths), "objects uploaded", file=sys.stderr)
PY

since=$(python3 -c 'print("2024-01-01T00:00:00Z")')
files=$(find -L "$data" -name '*.json.gz' | wc -l)
timed() {  # prints "seconds max_rss_kb cpu_seconds" of the command
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
    rc=$?; if [ "$rc" -ne 2 ]; then cat "$tmp/err" >&2; exit 1; fi; }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$tmp/time"
}
moto_cpu() { ps -o cputime= -p "$moto" | awk -F: '{print $1 * 3600 + $2 * 60 + $3}'; }
m0=$(moto_cpu)
read -r ts rss_s cs < <(timed "$tw" collect s3 -w "$tmp/ws-s3" --no-detect --format json \
  --since "$since" --until "2024-02-01T00:00:00Z" s3://bench-logs/AWSLogs/)
m1=$(moto_cpu)
read -r ti rss_i ci < <(timed "$tw" ingest -w "$tmp/ws-in" --no-detect --no-progress --format json "$data")
for ws in ws-s3 ws-in; do
  n=$("$tw" hunt -w "$tmp/$ws" --format csv "SELECT count(DISTINCT AwsEventId) FROM AWSCloudTrail" | tail -n 1 | tr -d '\r')
  [ "$n" = "$N" ] || { echo "s3_bench: $ws stored $n events, expected $N" >&2; exit 1; }
done
awk -v n="$N" -v files="$files" -v ts="$ts" -v ti="$ti" -v rs="$rss_s" -v ri="$rss_i" \
    -v cs="$cs" -v ci="$ci" -v mc="$((m1 - m0))" 'BEGIN {
  printf "### S3 collection (%d events in %d .json.gz objects, moto_server on loopback)\n\n", n, files
  printf "| command | seconds | events/s | CPU s (user+sys) | peak RSS |\n|---|---:|---:|---:|---:|\n"
  printf "| collect s3 (moto) | %.1f | %.0f | %.1f | %.0f MB |\n", ts, n / ts, cs, rs / 1024
  printf "| ingest (local files) | %.1f | %.0f | %.1f | %.0f MB |\n", ti, n / ti, ci, ri / 1024
  printf "\nmoto_server used %d CPU s serving the collection (same machine).\n", mc
  printf "collect s3 / ingest rate: %.0f%% wall (target >= 80%%); trailwarden CPU per event: ingest / collect = %.0f%%\n", 100 * ti / ts, 100 * ci / cs
}'
