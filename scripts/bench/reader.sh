#!/usr/bin/env bash
# Reader throughput: questions/second of a release `askdocs read --input` versus transformers 4.57.6
# pipeline("question-answering") on the same 100 XQuAD (question, context) pairs and the same model,
# at batch 1 and batch 8, in one run, with the ratios.
#   scripts/bench/reader.sh [--model DIR] [--pairs N] [--threads T]
# The model defaults to models/random-xlm-roberta-base-qa (random weights, real xlm-roberta-base shapes),
# created with scripts/reference/make_fixtures.py --full-size --sizes base when missing; the real XLM-R
# tokenizer (../shared/models/xlmr-tokenizer/tokenizer.json) is linked into the folder when it has none.
# PyTorch runs with T threads (default 2, the machine's cores); OpenBLAS keeps its default thread count.
# The Swift time is the whole process (model load included); the pipeline's excludes its load.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=models/random-xlm-roberta-base-qa
pairs=100
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "reader.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=.venv/bin/python
shared=../shared
[ -d "$shared/data/xquad" ] || { echo "reader.sh: $shared/data/xquad not found" >&2; exit 1; }
[ -x "$python" ] || { echo "reader.sh: $python not found; run scripts/setup --python" >&2; exit 1; }

if [ ! -f "$model/model.safetensors" ]; then
  [ "$model" = models/random-xlm-roberta-base-qa ] || { echo "reader.sh: no model in $model" >&2; exit 1; }
  echo "creating $model (scripts/reference/make_fixtures.py --full-size --sizes base)" >&2
  "$python" scripts/reference/make_fixtures.py --full-size --sizes base >&2
fi
if [ ! -e "$model/tokenizer.json" ] && [ ! -e "$model/sentencepiece.bpe.model" ]; then
  ln -s "$(cd "$shared/models/xlmr-tokenizer" && pwd)/tokenizer.json" "$model/tokenizer.json"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product askdocs >/dev/null
bin="$(swift build -c release --show-bin-path)/askdocs"

# The same pairs for both sides: round-robin over the 11 languages, spread over the articles.
"$python" - "$shared/data/xquad" "$pairs" > "$work/pairs.jsonl" <<'PY'
import json, sys
folder, count = sys.argv[1], int(sys.argv[2])
langs = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
questions = {}
for lang in langs:
    data = json.load(open(f"{folder}/xquad.{lang}.json", encoding="utf-8"))
    questions[lang] = [(qa["id"], qa["question"], p["context"]) for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
for k in range(count):
    qid, question, context = questions[langs[k % 11]][(k // 11) * 97 % len(questions[langs[k % 11]])]
    print(json.dumps({"id": f"{langs[k % 11]}-{qid}", "question": question, "context": context}, ensure_ascii=False))
PY

seconds() {  # input file, batch size, output file → wall seconds of the whole askdocs process
  local start end
  start=$(date +%s.%N)
  "$bin" read --model "$model" --input "$1" --batch-size "$2" > "$3"
  end=$(date +%s.%N)
  "$python" -c "print($end - $start)"
}
head -n 1 "$work/pairs.jsonl" > "$work/one.jsonl"
"$bin" read --model "$model" --input "$work/pairs.jsonl" --batch-size 8 > /dev/null  # warm the page cache
load=$(seconds "$work/one.jsonl" 1 /dev/null)  # start-up, model and tokenizer load, one question
t1=$(seconds "$work/pairs.jsonl" 1 "$work/swift-1.jsonl")
t8=$(seconds "$work/pairs.jsonl" 8 "$work/swift-8.jsonl")
s1=$("$python" -c "print($pairs / $t1)")
s8=$("$python" -c "print($pairs / $t8)")

"$python" - "$model" "$work" "$threads" "$s1" "$s8" "$load" "$t1" "$t8" <<'PY'
import json, sys, time, warnings
import torch, transformers
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, XLMRobertaTokenizerFast, pipeline
from pathlib import Path

warnings.filterwarnings("ignore")
model_dir, work, threads, s1, s8 = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
load, t1, t8 = float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
assert transformers.__version__ == "4.57.6", transformers.__version__
torch.set_num_threads(threads)
tokenizer_file = Path(model_dir) / "tokenizer.json"
tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_file))
model = AutoModelForQuestionAnswering.from_pretrained(model_dir).eval()
pipe = pipeline("question-answering", model=model, tokenizer=tokenizer, framework="pt", device="cpu")
pairs = [json.loads(line) for line in open(work / "pairs.jsonl", encoding="utf-8")]
inputs = [{"question": p["question"], "context": p["context"]} for p in pairs]
with torch.inference_mode():
    pipe(inputs[:2], batch_size=1)  # warm-up
    results = {}
    for batch in (1, 8):
        start = time.perf_counter()
        outputs = pipe(inputs, batch_size=batch)
        results[batch] = (len(inputs) / (time.perf_counter() - start), outputs)

def same(swift_file, outputs, batch):
    swift = [json.loads(line)["answers"][0] for line in open(swift_file, encoding="utf-8")]
    equal = 0
    for pair, s, p in zip(pairs, swift, outputs):
        if (s["answer"], s["start"], s["end"]) == (p["answer"], p["start"], p["end"]) and abs(s["score"] - p["score"]) <= 1e-4 * abs(p["score"]):
            equal += 1
        else:
            print(f"  batch {batch} {pair['id']}: askdocs {s['start']}..{s['end']} {s['score']:.6g}, pipeline {p['start']}..{p['end']} {p['score']:.6g}", file=sys.stderr)
    return equal

print(f"model {model_dir}, {len(inputs)} XQuAD pairs (11 languages), torch threads {threads}, OpenBLAS default threads")
print(f"askdocs start-up + load + 1 question: {load:.2f} s (included in 'askdocs q/s', not in 'w/o load')")
print(f"{'batch':>5}  {'askdocs q/s':>11}  {'pipeline q/s':>12}  {'ratio':>6}  {'w/o load':>8}  {'ratio':>6}  same answers")
for batch, swift, total in ((1, s1, t1), (8, s8, t8)):
    python_qps, outputs = results[batch]
    steady = (len(inputs) - 1) / max(total - load, 1e-9)
    print(f"{batch:>5}  {swift:>11.2f}  {python_qps:>12.2f}  {swift / python_qps:>6.2f}  {steady:>8.2f}  "
          f"{steady / python_qps:>6.2f}  {same(work / f'swift-{batch}.jsonl', outputs, batch)}/{len(inputs)}")
PY
