#!/usr/bin/env bash
# Encoder speed: Swift (OpenBLAS) vs PyTorch (fp32, torch.inference_mode) on the same synthetic 384-token
# windows, same number of cores/threads, xlm-roberta-large shape, batch 1 and 8, in one run (alternating
# Swift and PyTorch so both see the same machine load). Prints sequences/second, the Swift/PyTorch ratio,
# OpenBLAS's kernel and threads, and each process's peak RSS next to the checkpoint size.
#
#   scripts/bench/engine.sh [model-dir] [iterations]
# model-dir defaults to models/random-xlm-roberta-large-qa (made by
#   .venv/bin/python scripts/reference/make_fixtures.py --full-size).
# CPU s/batch (user + system, all threads) is printed too: less sensitive to other load than wall time
# (PyTorch's OpenMP threads spin while waiting, which counts as CPU time).
# OMP_WAIT_POLICY=PASSIVE in the environment stops PyTorch spinning (CPU seconds then compare work done).
# THREADS (default 2): PyTorch's torch.set_num_threads and the cores the Swift process may use (taskset).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-models/random-xlm-roberta-large-qa}
ITERATIONS=${2:-3}
THREADS=${THREADS:-2}
[ -f "$MODEL/model.safetensors" ] || {
    echo "missing $MODEL: run .venv/bin/python scripts/reference/make_fixtures.py --full-size" >&2
    exit 1
}
swift build -c release --product TransformerBench >&2
BENCH=.build/release/TransformerBench
CHECKPOINT_BYTES=$(stat -L -c %s "$MODEL/model.safetensors")
field() { .venv/bin/python -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
rss_mib() { awk -F': ' '/Maximum resident set size/{printf "%d", $2 / 1024}' "$1"; }
echo "model $MODEL ($((CHECKPOINT_BYTES / 1048576)) MiB checkpoint), $THREADS threads on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

for BATCH in 1 8; do
    LOG=$(mktemp)
    SWIFT=$(/usr/bin/time -v taskset -c "0-$((THREADS - 1))" "$BENCH" speed "$MODEL" --batch "$BATCH" --iterations "$ITERATIONS" 2>"$LOG")
    echo "swift   $SWIFT"
    echo "swift   batch $BATCH: OpenBLAS core $(field "$SWIFT" core), OpenBLAS threads $(field "$SWIFT" blas_threads) (engine splits products over $THREADS cores), peak RSS $(rss_mib "$LOG") MiB"
    TORCH=$(/usr/bin/time -v .venv/bin/python scripts/bench/engine_torch.py "$MODEL" --batch "$BATCH" --iterations "$ITERATIONS" --threads "$THREADS" 2>"$LOG")
    echo "pytorch $TORCH"
    echo "pytorch batch $BATCH: peak RSS $(rss_mib "$LOG") MiB"
    rm -f "$LOG"
    S=$(field "$SWIFT" sequences_per_s)
    T=$(field "$TORCH" sequences_per_s)
    printf '==> batch %s, seq 384: swift %.3f seq/s (%.2f s/batch, %.2f CPU s/batch), pytorch %.3f seq/s (%.2f s/batch, %.2f CPU s/batch), ratio swift/pytorch %.2f\n' \
        "$BATCH" "$S" "$(field "$SWIFT" mean_s)" "$(field "$SWIFT" cpu_s)" "$T" "$(field "$TORCH" mean_s)" "$(field "$TORCH" cpu_s)" \
        "$(.venv/bin/python -c "print($S / $T)")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
