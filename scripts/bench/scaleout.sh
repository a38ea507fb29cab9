#!/usr/bin/env bash
# Scale-out over PostgreSQL + pgvector (README, Scale-out), in one run:
#   1. indexing throughput into PostgreSQL against SQLite on the same files: the XQuAD paragraphs of the chosen
#      languages written one per file, indexed with the real multilingual-e5-small and BM25-only (--no-embed, the
#      store's own cost without embedding), each into a fresh SQLite file and a fresh PostgreSQL schema;
#   2. questions/s and p50/p99 latency of POST /v1/ask (hybrid retrieval, 3 passages read): one serve over the
#      SQLite index (the embedded baseline), then over the PostgreSQL streaming replica one serve without a
#      balancer, one behind haproxy and two behind haproxy (scripts/deploy/haproxy.cfg); wrk rotates the XQuAD
#      questions of the chosen languages. Ratios are against the embedded baseline.
#   scripts/bench/scaleout.sh [--langs "ar de ..."] [--retriever DIR] [--reader DIR] [--duration S]
#                             [--connections N] [--bin PATH]
# Defaults: all 11 shared languages, models/multilingual-e5-small (scripts/demo converts it), the tiny test reader
# (Tests/TransformerTests/Fixtures/tiny-xlmr-qa: the balancer and the store are measured, not the reader), 15 s,
# 8 connections. Needs wrk and haproxy (apt-get install wrk haproxy) and scripts/postgres install. On a two-core
# machine both replicas share the same two cores: the second adds a process, not compute.
set -euo pipefail
cd "$(dirname "$0")/../.."
langs="ar de el en es hi ru th tr vi zh"
retriever=models/multilingual-e5-small
reader=Tests/TransformerTests/Fixtures/tiny-xlmr-qa
duration=15
connections=8
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --langs) langs="$2"; shift 2 ;;
    --retriever) retriever="$2"; shift 2 ;;
    --reader) reader="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "scaleout.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for tool in wrk haproxy python3; do
  command -v "$tool" >/dev/null || { echo "scaleout.sh: $tool not found; apt-get install $tool" >&2; exit 1; }
done
xquad=../shared/data/xquad
[ -d "$xquad" ] || { echo "scaleout.sh: $xquad not found" >&2; exit 1; }
[ -f "$retriever/model.safetensors" ] || { echo "scaleout.sh: no retriever in $retriever; run scripts/demo once" >&2; exit 1; }
[ -f "$reader/config.json" ] || { echo "scaleout.sh: no reader model in $reader" >&2; exit 1; }
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >&2
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
retriever=$(cd "$retriever" && pwd -P)
reader=$(cd "$reader" && pwd -P)

work=$(mktemp -d)
pg=$(mktemp -d)  # the cluster's own folder: as root its servers run as another user, who must reach it
pids=()
cleanup() {
  for pid in "${pids[@]}"; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
  scripts/postgres stop "$pg" >/dev/null 2>&1 || true
  rm -rf "$work" "$pg"
}
trap cleanup EXIT
urls=$(scripts/postgres start "$pg" --port "${ASKDOCS_BENCH_PG_PORT:-55430}")
eval "$urls"

read -ra lang_list <<< "$langs"
python3 - "$xquad" "$work" "${lang_list[@]}" <<'PY'
import json, os, sys
xquad, work, langs = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(f"{work}/bodies.jsonl", "w", encoding="utf-8") as bodies:
    for lang in langs:
        os.makedirs(f"{work}/docs/{lang}")
        with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
            articles = json.load(f)["data"]
        for a, article in enumerate(articles):
            for p, paragraph in enumerate(article["paragraphs"]):
                with open(f"{work}/docs/{lang}/a{a:02d}p{p:02d}.txt", "w", encoding="utf-8") as out:
                    out.write(paragraph["context"])
                for qa in paragraph["qas"]:
                    bodies.write(json.dumps({"question": qa["question"], "passages": 3}, ensure_ascii=False) + "\n")
PY
echo "$(find "$work/docs" -type f | wc -l) files ($langs), $(wc -l < "$work/bodies.jsonl") questions," \
  "$(nproc) cores" >&2

# index LABEL DB ARGS...: one fresh index; prints "LABEL seconds chunks".
index() {
  local label="$1" db="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  XDG_STATE_HOME="$work/state-$label" "$bin" index "$work/docs" --db "$db" --json "$@" \
    > "$work/index.json" 2> "$work/index.err" || { cat "$work/index.err" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c 'import json, sys; print(sys.argv[1], float(sys.argv[3]) - float(sys.argv[2]), json.load(open(sys.argv[4]))["chunks_added"])' \
    "$label" "$start" "$end" "$work/index.json"
}
{
  index sqlite-e5 "$work/e5.sqlite" --retriever "$retriever"
  index postgres-e5 "$ASKDOCS_PG_PRIMARY?schema=e5" --retriever "$retriever"
  index sqlite-bm25 "$work/bm25.sqlite" --no-embed
  index postgres-bm25 "$ASKDOCS_PG_PRIMARY?schema=bm25" --no-embed
} > "$work/indexing"

# serve [DB]: starts askdocs serve on DB (default: the PostgreSQL replica); sets port.
serve() {
  local log="$work/serve-${#pids[@]}.log"
  "$bin" serve --port 0 --reader "$reader" --db "${1:-$ASKDOCS_PG_REPLICA?schema=e5}" > /dev/null 2> "$log" &
  pids+=($!)
  for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -1)
    if [ -n "$port" ] && grep -q "ready: reader" "$log"; then return 0; fi
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "scaleout.sh: askdocs serve did not get ready" >&2; exit 1
}
# balance A B: haproxy with the committed configuration in front of ports A and B, on port 18990.
balance() {
  ASKDOCS_LB_BIND=127.0.0.1:18990 ASKDOCS_REPLICA_A="127.0.0.1:$1" ASKDOCS_REPLICA_B="127.0.0.1:$2" \
    haproxy -db -f scripts/deploy/haproxy.cfg > "$work/haproxy.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:18990/readyz && return 0; sleep 0.1; done
  cat "$work/haproxy.log" >&2; exit 1
}
source scripts/bench/wrk_load.sh
wrk_script "$work/bench.lua" /v1/ask
export ASKDOCS_BENCH_BODIES="$work/bodies.jsonl"
# measure NAME PORT: prints "NAME q/s p50_ms p99_ms errors".
measure() { wrk_measure "$1" "http://127.0.0.1:$2" "$work/bench.lua" "$connections" "$duration" "$work/$1.wrk"; }
{
  serve "$work/e5.sqlite"
  measure sqlite-one-direct "$port"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
  serve; first=$port
  measure pg-one-direct "$first"
  balance "$first" "$first"
  measure pg-one-haproxy 18990
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
  serve; second=$port
  balance "$first" "$second"
  measure pg-two-haproxy 18990
} > "$work/serving"

python3 - "$work/indexing" "$work/serving" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
times = {label: (float(seconds), int(chunks)) for label, seconds, chunks in rows}
print(f"{'indexing':<22}{'seconds':>9}{'chunks':>8}{'chunks/s':>10}{'× SQLite':>10}")
for label, (seconds, chunks) in times.items():
    base = times[label.replace("postgres", "sqlite")][0]
    print(f"{label:<22}{seconds:>9.1f}{chunks:>8}{chunks / seconds:>10.1f}{base / seconds:>10.2f}")
serving = [line.split() for line in open(sys.argv[2])]
base = float(serving[0][1])
print(f"\n{'serving /v1/ask':<22}{'q/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'q/s ×':>8}")
for name, rate, p50, p99, errors in serving:
    print(f"{name:<22}{float(rate):>9.1f}{float(p50):>9.1f}{float(p99):>9.1f}{int(errors):>8}{float(rate) / base:>8.2f}")
PY
