#!/usr/bin/env bash
# Throughput and latency of `askdocs serve` under concurrent load (wrk), with dynamic batching on and off, against
# the reference: the transformers 4.57.6 question-answering pipeline behind the same Inference API route in a
# Python threading server (scripts/bench/serve_reference.py), measured in the same run on the same machine.
# Requests are XQuAD questions with their paragraphs (articles 36-47), POST /models/ID, rotated by every wrk thread.
# Prints requests/s, median and p99 latency, errors (non-2xx and socket errors) and peak RSS per server, and the
# ratios against the reference.
#   scripts/bench/serve.sh [--duration SECONDS] [--connections N] [--max-batch WINDOWS] [--reader DIR] [--lang en]
#                          [--bin PATH]
# The reader defaults to models/e5-small-xquad-reader (a real multilingual reader; scripts/demo assembles it from
# ../shared). Needs wrk
# (apt-get install wrk) and the reference stack (scripts/setup --python).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=20
connections=16
max_batch=16
reader=models/e5-small-xquad-reader
lang=en
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --max-batch) max_batch="$2"; shift 2 ;;
    --reader) reader="$2"; shift 2 ;;
    --lang) lang="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "serve.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=.venv/bin/python
data=../shared/data/xquad/xquad.$lang.json
command -v wrk >/dev/null || { echo "serve.sh: wrk not found; install it with apt-get install wrk" >&2; exit 1; }
[ -x "$python" ] || { echo "serve.sh: $python not found; run scripts/setup --python" >&2; exit 1; }
[ -f "$data" ] || { echo "serve.sh: $data not found" >&2; exit 1; }
[ -f "$reader/config.json" ] || { echo "serve.sh: no reader model in $reader; run scripts/demo once" >&2; exit 1; }
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >&2
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
model_id=$(basename "$reader")

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then { kill "$server_pid" && wait "$server_pid"; } 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$python" - "$data" "$work/bodies.jsonl" <<'PY'
import json, sys
articles = json.load(open(sys.argv[1], encoding="utf-8"))["data"][36:48]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                body = {"inputs": {"question": qa["question"], "context": paragraph["context"]}}
                out.write(json.dumps(body, ensure_ascii=False) + "\n")
PY
source scripts/bench/wrk_load.sh
wrk_script "$work/bench.lua"
export ASKDOCS_BENCH_BODIES="$work/bodies.jsonl"
echo "$(wc -l < "$work/bodies.jsonl") requests (XQuAD $lang, articles 36-47), reader $reader," \
  "wrk -t2 -c$connections -d${duration}s, $(nproc) cores" >&2

# measure NAME URL: prints "NAME req/s p50_ms p99_ms errors peak_rss_mib" (the server's peak RSS after the load).
measure() {
  local line
  line=$(wrk_measure "$1" "$2" "$work/bench.lua" "$connections" "$duration" "$work/$1.wrk")
  echo "$line $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status")"
}

# start_askdocs ARGS...: starts askdocs serve on a free port, waits until ready, sets server_pid and port.
start_askdocs() {
  "$bin" serve --port 0 --reader "$reader" "$@" > /dev/null 2> "$work/serve.log" &
  server_pid=$!
  for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.log" | head -1)
    if [ -n "$port" ] && grep -q "ready: reader" "$work/serve.log"; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "serve.sh: askdocs serve did not get ready" >&2; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

results="$work/results"
start_askdocs --max-batch "$max_batch" --max-wait-ms 5
measure askdocs-batched "http://127.0.0.1:$port/models/$model_id" >> "$results"
stop_server
start_askdocs --max-batch 1 --max-wait-ms 0
measure askdocs-unbatched "http://127.0.0.1:$port/models/$model_id" >> "$results"
stop_server
port=18931
"$python" scripts/bench/serve_reference.py "$reader" "$port" > "$work/reference.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "$(head -1 "$work/bodies.jsonl")" "http://127.0.0.1:$port/models/$model_id" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/reference.log" >&2; exit 1; }
  sleep 0.2
done
measure transformers "http://127.0.0.1:$port/models/$model_id" >> "$results"
stop_server

"$python" - "$results" <<'PY'
import sys
rows = {line.split()[0]: [float(x) for x in line.split()[1:]] for line in open(sys.argv[1])}
reference = rows["transformers"]
print(f"{'server':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'peak MiB':>10}{'req/s ×':>9}{'p99 ×':>8}")
for name, (rate, p50, p99, errors, rss) in rows.items():
    print(f"{name:<20}{rate:>9.1f}{p50:>9.0f}{p99:>9.0f}{errors:>8.0f}{rss:>10.0f}"
          f"{rate / reference[0]:>9.2f}{p99 / reference[2]:>8.2f}")
PY
