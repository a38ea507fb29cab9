#!/usr/bin/env bash
# Full-size parity (outside CI): random models with the real xlm-roberta-base/large shapes and PyTorch
# reference logits on 20 XQuAD windows of 384 tokens, created by
#   .venv/bin/python scripts/reference/make_fixtures.py --full-size
# then compared with the Swift engine (release build). Prints max abs/relative differences per model.
set -euo pipefail
cd "$(dirname "$0")/../.."
BATCH=${BATCH:-4}
swift build -c release --product TransformerBench >&2
for SIZE in ${SIZES:-base large}; do
    MODEL=models/random-xlm-roberta-$SIZE-qa
    if [ ! -f "$MODEL/reference.json" ]; then
        .venv/bin/python scripts/reference/make_fixtures.py --full-size --sizes "$SIZE"
    fi
    printf '%s: ' "$SIZE"
    .build/release/TransformerBench parity "$MODEL" "$MODEL/reference.json" --batch "$BATCH"
done
