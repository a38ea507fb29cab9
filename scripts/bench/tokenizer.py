#!/usr/bin/env python3
"""Tokenizer speed: Swift `askdocs tokenize --bench` vs Python `tokenizers` (Rust), single thread, same texts.

Builds askdocs in release, tokenizes every XQuAD context and question of the 11 languages (no special tokens)
with both, prints tokens/second for each and the ratio, and the time to load tokenizer.json in each.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]


def texts(shared):
    out = []
    for lang in LANGS:
        with open(os.path.join(shared, "data", "xquad", f"xquad.{lang}.json"), encoding="utf-8") as f:
            for article in json.load(f)["data"]:
                for paragraph in article["paragraphs"]:
                    out.append(paragraph["context"])
                    out.extend(qa["question"] for qa in paragraph["qas"])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds, each with a freshly loaded tokenizer")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    model = os.path.join(args.shared, "models", "xlmr-tokenizer")
    corpus = texts(args.shared)

    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "askdocs"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip() + "/askdocs"

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in corpus:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        jsonl = f.name

    swift = []
    for _ in range(args.rounds):
        with open(jsonl, "rb") as stdin:
            out = subprocess.run([binary, "tokenize", "--model", model, "--bench"], stdin=stdin, check=True,
                                 capture_output=True, text=True).stdout
        swift.append(json.loads(out))
    os.unlink(jsonl)

    from tokenizers import Tokenizer
    path = os.path.join(model, "tokenizer.json")
    python = []
    for _ in range(args.rounds):
        start, cpu = time.perf_counter(), time.process_time()
        tok = Tokenizer.from_file(path)
        load, load_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        encodings = tok.encode_batch(corpus, add_special_tokens=False)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        tokens = sum(len(e.ids) for e in encodings)
        tok = Tokenizer.from_file(path)
        start = time.perf_counter()
        for t in corpus:
            tok.encode(t, add_special_tokens=False)
        one_by_one = time.perf_counter() - start
        python.append({"tokens": tokens, "seconds": seconds, "cpu_seconds": cpu_seconds, "one_by_one": one_by_one,
                       "load": load, "load_cpu": load_cpu})

    s = min(swift, key=lambda r: r["seconds"])
    p = min(python, key=lambda r: r["seconds"])
    p1 = min(r["one_by_one"] for r in python)
    s_cpu = min(r["cpu_seconds"] for r in swift)
    p_cpu = min(r["cpu_seconds"] for r in python)
    if s["tokens"] != p["tokens"]:
        print(f"warning: token counts differ: swift {s['tokens']} python {p['tokens']}", file=sys.stderr)
    tokens = p["tokens"]
    print(f"texts: {len(corpus)} (XQuAD contexts + questions, 11 languages), tokens: {tokens}, best of {args.rounds}")
    print("                                             wall tokens/s     CPU tokens/s")
    print(f"swift  askdocs (release, 1 thread):        {tokens / s['seconds']:14,.0f} {tokens / s_cpu:16,.0f}")
    print(f"python tokenizers encode_batch (1 thread): {tokens / p['seconds']:14,.0f} {tokens / p_cpu:16,.0f}")
    print(f"python tokenizers encode one by one:       {tokens / p1:14,.0f}")
    print(f"ratio swift / python encode_batch: wall {p['seconds'] / s['seconds']:.2f}x, CPU {p_cpu / s_cpu:.2f}x")
    print(f"load tokenizer.json: swift {min(r['load_seconds'] for r in swift):.3f} s wall "
          f"({min(r['load_cpu_seconds'] for r in swift):.3f} s CPU), python {min(r['load'] for r in python):.3f} s wall "
          f"({min(r['load_cpu'] for r in python):.3f} s CPU)")


if __name__ == "__main__":
    main()
