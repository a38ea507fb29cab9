#!/usr/bin/env bash
# Encoder speed: Swift (OpenBLAS) vs PyTorch (fp32, inference_mode), same synthetic 384-token windows,
# same thread count, xlm-roberta-large shape, batch 1 and 8, in one run. Prints sequences/second,
# the Swift/PyTorch ratio, OpenBLAS's kernel and threads, and the Swift process's peak RSS.
#
#   scripts/bench/engine.sh [model-dir] [iterations]
# model-dir defaults to models/random-xlm-roberta-large-qa (scripts/reference/make_fixtures.py --full-size).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-models/random-xlm-roberta-large-qa}
ITERATIONS=${2:-3}
THREADS=${THREADS:-2}  # PyTorch threads; the Swift engine uses every core (taskset limits it)
[ -f "$MODEL/model.safetensors" ] || {
    echo "missing $MODEL: run .venv/bin/python scripts/reference/make_fixtures.py --full-size" >&2
    exit 1
}
swift build -c release --product TransformerBench >&2
BENCH=.build/release/TransformerBench
CHECKPOINT_BYTES=$(stat -L -c %s "$MODEL/model.safetensors")
echo "model $MODEL, checkpoint $((CHECKPOINT_BYTES / 1048576)) MiB, threads $THREADS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A SWIFT TORCH
for BATCH in 1 8; do
    LOG=$(mktemp)
    /usr/bin/time -v taskset -c "0-$((THREADS - 1))" "$BENCH" speed "$MODEL" --batch "$BATCH" --iterations "$ITERATIONS" ${SWIFT_FLAGS:-} 2>"$LOG" | tee /dev/stderr >"$LOG.json"
    RSS_KB=$(awk -F': ' '/Maximum resident set size/{print $2}' "$LOG")
    SWIFT[$BATCH]=$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['sequences_per_s'])" "$LOG.json")
    echo "swift batch $BATCH: peak RSS $((RSS_KB / 1024)) MiB ($(.venv/bin/python -c "print(round($RSS_KB*1024/$CHECKPOINT_BYTES, 2))")x checkpoint), core $(.venv/bin/python -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['core'], 'blas threads', d['blas_threads'], 'cores', d['cores'])" "$LOG.json")"
    rm -f "$LOG" "$LOG.json"
done
while read -r LINE; do
    echo "$LINE" >&2
    BATCH=$(.venv/bin/python -c "import json,sys; print(json.loads(sys.argv[1])['batch'])" "$LINE")
    TORCH[$BATCH]=$(.venv/bin/python -c "import json,sys; print(json.loads(sys.argv[1])['sequences_per_s'])" "$LINE")
done < <(.venv/bin/python scripts/bench/engine_torch.py "$MODEL" --batch 1 8 --iterations "$ITERATIONS" --threads "$THREADS")
for BATCH in 1 8; do
    printf 'batch %s: swift %.3f seq/s, pytorch %.3f seq/s, ratio swift/pytorch %.2f\n' "$BATCH" "${SWIFT[$BATCH]}" "${TORCH[$BATCH]}" \
        "$(.venv/bin/python -c "print(${SWIFT[$BATCH]} / ${TORCH[$BATCH]})")"
done
