#!/usr/bin/env bash
# End-to-end seconds per question of `askdocs ask`, stage by stage (embed the question, search, read, rank) and in
# total, median over N XQuAD questions, with a random xlm-roberta-large-shaped reader (the cost of the real
# deepset/xlm-roberta-large-squad2) and the multilingual-e5-small retriever, for the default number of passages and
# for 20. The index holds every XQuAD paragraph of one language (each a document, chunked as `askdocs index` does);
# the questions are the first N of articles 36-47. Models load once per run (`ask --questions`); the load is not
# in the per-question figures.
#   scripts/bench/ask.sh [--questions N] [--passages "DEFAULT 20"] [--lang en] [--reader DIR] [--retriever DIR]
#                        [--bin PATH]   (an askdocs binary already built; default: swift build -c release)
# The reader defaults to models/random-xlm-roberta-large-qa (scripts/reference/make_fixtures.py --full-size
# --sizes large makes it; the real XLM-R tokenizer from ../shared is linked in), the retriever to
# models/multilingual-e5-small (scripts/demo's first run converts it).
set -euo pipefail
cd "$(dirname "$0")/../.."
questions=50
passages=""
lang=en
reader=models/random-xlm-roberta-large-qa
retriever=models/multilingual-e5-small
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --questions) questions="$2"; shift 2 ;;
    --passages) passages="$2"; shift 2 ;;
    --lang) lang="$2"; shift 2 ;;
    --reader) reader="$2"; shift 2 ;;
    --retriever) retriever="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "ask.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=.venv/bin/python
shared=../shared
data="$shared/data/xquad/xquad.$lang.json"
[ -f "$data" ] || { echo "ask.sh: $data not found" >&2; exit 1; }
[ -x "$python" ] || { echo "ask.sh: $python not found; run scripts/setup --python" >&2; exit 1; }
[ -f "$retriever/model.safetensors" ] || { echo "ask.sh: no retriever in $retriever; run scripts/demo once" >&2; exit 1; }
if [ ! -f "$reader/model.safetensors" ]; then
  [ "$reader" = models/random-xlm-roberta-large-qa ] || { echo "ask.sh: no model in $reader" >&2; exit 1; }
  echo "creating $reader (scripts/reference/make_fixtures.py --full-size --sizes large)" >&2
  "$python" scripts/reference/make_fixtures.py --full-size --sizes large >&2
fi
if [ ! -e "$reader/tokenizer.json" ] && [ ! -e "$reader/sentencepiece.bpe.model" ]; then
  ln -s "$(cd "$shared/models/xlmr-tokenizer" && pwd)/tokenizer.json" "$reader/tokenizer.json"
fi
if [ -z "$bin" ]; then
  swift build -c release --product askdocs >&2
  bin="$(swift build -c release --show-bin-path)/askdocs"
fi
# The default as `ask --help` states it ("... else N)"), wrapped lines joined.
[ -n "$passages" ] || passages="$("$bin" ask --help | tr -s ' \n' ' ' | perl -ne 'print $1 if /--passages <passages>.*?else (\d+)\)/') 20"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" - "$data" "$work" "$questions" <<'EOF'
import json, os, sys
data, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
articles = json.load(open(data, encoding="utf-8"))["data"]
os.makedirs(f"{work}/docs")
count = 0
for a, article in enumerate(articles):
    for p, paragraph in enumerate(article["paragraphs"]):
        with open(f"{work}/docs/a{a:02d}p{p:02d}.txt", "w", encoding="utf-8") as f:
            f.write(paragraph["context"])
with open(f"{work}/questions.jsonl", "w", encoding="utf-8") as f:
    for article in articles[36:48]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if count < n:
                    f.write(json.dumps({"id": qa["id"], "question": qa["question"]}, ensure_ascii=False) + "\n")
                    count += 1
EOF
"$bin" index "$work/docs" --db "$work/index.sqlite" --retriever "$retriever" >/dev/null
echo "reader $reader, retriever $retriever, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$questions questions of xquad.$lang articles 36-47 over its $(ls "$work/docs" | wc -l) paragraphs; medians in seconds"
printf '%-9s %7s %7s %7s %7s %7s\n' passages embed search read rank total
for p in $passages; do
  "$bin" ask --questions "$work/questions.jsonl" --db "$work/index.sqlite" --reader "$reader" \
    --retriever "$retriever" --passages "$p" >"$work/answers-$p.jsonl"
  "$python" - "$work/answers-$p.jsonl" "$p" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
failed = [r for r in rows if "error" in r]
if failed:
    sys.exit(f"ask.sh: {len(failed)} question(s) failed, first: {failed[0]['error']}")
t = [r["timings"] for r in rows]
med = lambda key: statistics.median(x[key] for x in t)
total = statistics.median(sum(x.values()) for x in t)
print(f"{sys.argv[2]:<9} {med('embed'):7.3f} {med('search'):7.3f} {med('read'):7.3f} {med('rank'):7.3f} {total:7.3f}")
EOF
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
