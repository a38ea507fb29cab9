#!/usr/bin/env python3
"""Record end-to-end question-answering goldens for the Swift `ExtractiveReader`.

Runs transformers 4.57.6 `pipeline("question-answering")` with the committed tiny model
Tests/TransformerTests/Fixtures/tiny-xlmr-qa (its own tiny XLM-R style tokenizer) on XQuAD questions
of all 11 languages: full contexts with the pipeline's default windows (384/128) and with small windows
that force several of them, plus short contexts (a prefix of the paragraph), each with top_k 1 and 3,
with and without handle_impossible_answer, and a few non-default postprocess options.

The output holds no XQuAD text: a case names the question by id and language and the context as a
prefix length of its paragraph (null = whole); the Swift test reads the text from ../shared. Answers are
stored as (score, start, end); the answer text is always context[start:end].

Usage: .venv/bin/python scripts/reference/reader_e2e_goldens.py [--out Tests/ReaderTests/Fixtures/e2e_goldens.json.gz]
"""

import argparse
import gzip
import json
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, pipeline

LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "Tests/TransformerTests/Fixtures/tiny-xlmr-qa"

# (max_seq_len, doc_stride); None = the pipeline default.
FULL_WINDOWS = [(None, None), (128, 48), (64, 16)]
SHORT_WINDOWS = [(None, None)]
POSTPROCESS = [
    {"top_k": 1},
    {"top_k": 3},
    {"top_k": 1, "handle_impossible_answer": True},
    {"top_k": 3, "handle_impossible_answer": True},
    {"top_k": 3, "align_to_words": False},
    {"top_k": 2, "max_answer_len": 3},
]


def as_list(output):
    return [output] if isinstance(output, dict) else list(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of the shared assets folder")
    parser.add_argument("--out", default=str(ROOT / "Tests/ReaderTests/Fixtures/e2e_goldens.json.gz"))
    parser.add_argument("--paragraphs", default="0,37,81,150,199,233", help="paragraph indices per language")
    parser.add_argument("--short-chars", type=int, default=160, help="prefix length of the short contexts")
    args = parser.parse_args()

    assert transformers.__version__ == "4.57.6", transformers.__version__
    torch.manual_seed(0)
    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL))
    assert tokenizer.is_fast
    model = AutoModelForQuestionAnswering.from_pretrained(str(MODEL)).eval()
    pipe = pipeline("question-answering", model=model, tokenizer=tokenizer, framework="pt", device="cpu")

    picks = [int(x) for x in args.paragraphs.split(",")]
    cases = []
    for lang in LANGS:
        data = json.load(open(Path(args.shared) / f"data/xquad/xquad.{lang}.json", encoding="utf-8"))
        paragraphs = [p for article in data["data"] for p in article["paragraphs"]]
        for q_index, p_index in enumerate(picks):
            paragraph = paragraphs[p_index]
            qa = paragraph["qas"][q_index % len(paragraph["qas"])]
            for context_chars, windows in [(None, FULL_WINDOWS), (args.short_chars, SHORT_WINDOWS)]:
                context = paragraph["context"] if context_chars is None else paragraph["context"][:context_chars]
                for max_seq_len, doc_stride in windows:
                    pre = {}
                    if max_seq_len is not None:
                        pre = {"max_seq_len": max_seq_len, "doc_stride": doc_stride}
                    base = {"lang": lang, "id": qa["id"], "context_chars": context_chars}
                    base |= {"max_seq_len": max_seq_len, "doc_stride": doc_stride}
                    try:
                        features = list(pipe.preprocess({"question": qa["question"], "context": context}, **pre))
                    except BaseException as error:  # tokenizers panics (PanicException is a BaseException)
                        if isinstance(error, KeyboardInterrupt):
                            raise
                        # The pipeline refuses these windows; the Swift reader must throw.
                        cases.append(base | {"options": POSTPROCESS[0], "error": str(error).split("\n")[0]})
                        continue
                    # One forward pass per window configuration; every postprocess option decodes the same
                    # model outputs, as pipe() would (checked against a full pipe() call for the first one).
                    with torch.no_grad():
                        model_outputs = [pipe._forward(feature) for feature in features]
                    for post_index, post in enumerate(POSTPROCESS):
                        output = pipe.postprocess(model_outputs, **post)
                        if post_index == 0:
                            with torch.no_grad():
                                direct = pipe(question=qa["question"], context=context, **pre, **post)
                            assert as_list(direct) == as_list(output), (direct, output)
                        answers = as_list(output)
                        for a in answers:
                            assert a["answer"] == context[a["start"] : a["end"]], a
                        cases.append(
                            base
                            | {
                                "options": post,
                                "windows": len(features),
                                "single": isinstance(output, dict),
                                "answers": [
                                    {"score": float(a["score"]), "start": int(a["start"]), "end": int(a["end"])}
                                    for a in answers
                                ],
                            }
                        )
        print(f"{lang}: {len(cases)} cases so far", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "transformers": transformers.__version__,
        "model": str(MODEL.relative_to(ROOT)),
        "cases": cases,
    }
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    multi = sum(1 for c in cases if c.get("windows", 0) > 1)
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({multi} with several windows, {errors} refused) to {out}")


if __name__ == "__main__":
    main()
