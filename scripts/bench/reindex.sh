#!/usr/bin/env bash
# Seconds of `askdocs reindex` over the 11-language XQuAD corpus written as files (one per paragraph, 2 640 files),
# with the real multilingual-e5-small retriever: the first full index (a rebuild from nothing), a reindex with nothing
# changed, one with 1 % of the files changed (a third edited, a third added, a sixth deleted, a sixth renamed), and
# a rebuild announced by a new retriever (the same weights under another folder name, so every chunk re-embeds).
#   scripts/bench/reindex.sh [--retriever DIR] [--bin PATH]
# The retriever defaults to models/multilingual-e5-small (scripts/demo's first run converts it). There is no Python
# reference for reindexing; the numbers are askdocs's own, with the load they were measured under.
set -euo pipefail
cd "$(dirname "$0")/../.."
retriever=models/multilingual-e5-small
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --retriever) retriever="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "reindex.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
xquad=../shared/data/xquad
[ -d "$xquad" ] || { echo "reindex.sh: $xquad not found" >&2; exit 1; }
[ -f "$retriever/model.safetensors" ] || { echo "reindex.sh: no retriever in $retriever; run scripts/demo once" >&2; exit 1; }
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >&2
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$xquad" "$work/docs" <<'PY'
import json, os, sys
xquad, docs = sys.argv[1], sys.argv[2]
for lang in ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]:
    os.makedirs(f"{docs}/{lang}")
    with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
        articles = json.load(f)["data"]
    for a, article in enumerate(articles):
        for p, paragraph in enumerate(article["paragraphs"]):
            with open(f"{docs}/{lang}/a{a:02d}p{p:02d}.txt", "w", encoding="utf-8") as out:
                out.write(paragraph["context"])
PY
# Files written a minute ago, as a nightly run finds them (a file written within the second it is read is always
# hashed, whatever its size and time say).
find "$work/docs" -type f -exec touch -d '-1 minute' {} +
db="$work/index.sqlite"
run() {  # label, command...: prints the label, seconds and the JSON counts that matter
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" --json >"$work/out.json" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$work/out.json" <<'PY'
import json, sys
label, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = json.load(open(path))
print(f"{label:<28} {end - start:8.2f} s   files +{r['files_added']} ~{r['files_updated']} >{r.get('files_moved', 0)} "
      f"-{len(r['vanished'])} ={r['files_unchanged']}  read {r['bytes_read'] / 1e6:.1f} MB  "
      f"embedded {r.get('vectors_added', 0)}  vectors {r.get('vectors', 0)}  publishes {r.get('publishes', '-')}")
PY
}
echo "$(ls -R "$work/docs" | grep -c '\.txt$') files, $(du -sh "$work/docs" | cut -f1); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run "index (full, from nothing)" "$bin" index "$work/docs" --db "$db" --retriever "$retriever"
run "reindex, nothing changed" "$bin" reindex --db "$db"
python3 - "$work/docs" <<'PY'
import os, random, sys
docs = sys.argv[1]
files = sorted(os.path.join(d, f) for d, _, names in os.walk(docs) for f in names)
random.seed(1)
chosen = random.sample(files, len(files) // 100)  # 1 %
third, sixth = len(chosen) // 3, len(chosen) // 6
for path in chosen[:third]:  # edited: a sentence added
    with open(path, "a", encoding="utf-8") as f:
        f.write(" This paragraph was revised for the benchmark.")
for i, path in enumerate(chosen[third:2 * third]):  # added: copies of other paragraphs with a new line
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path.replace(".txt", f"-new{i}.txt"), "w", encoding="utf-8") as f:
        f.write("New. " + text)
for path in chosen[2 * third:2 * third + sixth]:  # deleted
    os.remove(path)
for path in chosen[2 * third + sixth:]:  # renamed
    os.rename(path, path.replace(".txt", "-renamed.txt"))
PY
find "$work/docs" -type f -newermt '-30 seconds' -exec touch -d '-1 minute' {} +
run "reindex, 1 % changed" "$bin" reindex --db "$db"
run "reindex, nothing changed" "$bin" reindex --db "$db"
mkdir -p "$work/other" && ln -s "$(cd "$retriever" && pwd)"/* "$work/other/"
run "reindex, new retriever" "$bin" reindex --db "$db" --retriever "$work/other"
"$bin" check --db "$db" >/dev/null && echo "check: OK"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
