#!/usr/bin/env python3
"""BM25 recall of the FTS5 index that `askdocs index` builds, on XQuAD contexts written as files.

Each XQuAD paragraph becomes one text file (xquad/<lang>/<article>-<paragraph>.txt); each language is indexed into
its own database with `askdocs index --no-embed --retriever MODEL` (chunks measured and BM25 terms made with the
model's XLM-R tokenizer, no embedding), and every question is searched with `askdocs search --mode bm25 --k 20`
(`--queries`, one process per language). A question is found at the first rank where a chunk of its paragraph's
file appears. Prints Recall@1/5/20 and MRR@20 per language next to the Python reference BM25 over whole paragraphs
(scripts/reference/retrieval_reference.json), which uses the same term rule.

    .venv/bin/python scripts/bench/xquad_fts5_bm25.py [--model models/multilingual-e5-small] [--bin PATH]
"""

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=ROOT.parent / "shared/data/xquad")
    parser.add_argument("--model", type=Path, default=ROOT / "models/multilingual-e5-small")
    parser.add_argument("--bin", type=Path, default=None, help="askdocs binary (default: release build)")
    parser.add_argument("--languages", nargs="*", default=LANGUAGES)
    parser.add_argument("--reference", type=Path, default=ROOT / "scripts/reference/retrieval_reference.json")
    args = parser.parse_args()
    binary = args.bin
    if binary is None:
        subprocess.run(["swift", "build", "-c", "release", "--product", "askdocs"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        binary = Path(path) / "askdocs"
    reference = json.loads(args.reference.read_text())["per_language"] if args.reference.exists() else {}

    print(f"{'lang':5}{'R@1':>8}{'R@5':>8}{'R@20':>8}{'MRR@20':>8}   reference R@1/R@20   chunks  index s  query ms")
    totals = []
    with tempfile.TemporaryDirectory() as work:
        for lang in args.languages:
            data = json.loads((args.xquad / f"xquad.{lang}.json").read_text())["data"]
            folder = Path(work) / "xquad" / lang
            folder.mkdir(parents=True)
            questions = []
            for a, article in enumerate(data):
                for p, paragraph in enumerate(article["paragraphs"]):
                    name = f"{a:02d}-{p:02d}.txt"
                    (folder / name).write_text(paragraph["context"], encoding="utf-8")
                    questions += [(name, qa["question"]) for qa in paragraph["qas"]]
            db = Path(work) / f"{lang}.sqlite"
            indexed = json.loads(subprocess.run(
                [binary, "index", folder, "--db", db, "--no-embed", "--retriever", args.model, "--json"],
                check=True, capture_output=True, text=True).stdout)
            queries = Path(work) / f"{lang}.jsonl"
            queries.write_text("".join(json.dumps({"query": q}, ensure_ascii=False) + "\n" for _, q in questions))
            started = time.time()
            lines = subprocess.run(
                [binary, "search", "--queries", queries, "--db", db, "--mode", "bm25", "--k", "20"],
                check=True, capture_output=True, text=True).stdout.splitlines()
            elapsed = time.time() - started
            found = {1: 0, 5: 0, 20: 0}
            reciprocal = 0.0
            for (target, _), line in zip(questions, lines):
                documents = [Path(r["document"]).name for r in json.loads(line)["results"]]
                rank = next((i for i, d in enumerate(documents, start=1) if d == target), None)
                if rank is None:
                    continue
                for k in found:
                    found[k] += rank <= k
                reciprocal += 1 / rank
            n = len(questions)
            row = [found[1] / n, found[5] / n, found[20] / n, reciprocal / n]
            totals.append(row)
            ref = reference.get(lang, {}).get("bm25", {})
            ref_text = f"{ref.get('recall@1', float('nan')):.4f}/{ref.get('recall@20', float('nan')):.4f}"
            print(f"{lang:5}" + "".join(f"{v:8.4f}" for v in row) + f"   {ref_text:>19}   {indexed['chunks_added']:6d}"
                  f"  {indexed['seconds']:7.1f}  {1000 * elapsed / n:8.1f}", flush=True)
    mean = [sum(r[i] for r in totals) / len(totals) for i in range(4)]
    print(f"{'mean':5}" + "".join(f"{v:8.4f}" for v in mean))


if __name__ == "__main__":
    main()
