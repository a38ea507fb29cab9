#!/usr/bin/env python3
"""Record end-to-end question-answering goldens for the Swift `ExtractiveReader`.

Runs transformers 4.57.6 `pipeline("question-answering")` with the committed tiny model
Tests/TransformerTests/Fixtures/tiny-xlmr-qa (its own tiny XLM-R style tokenizer) on XQuAD questions
of all 11 languages: full contexts with the pipeline's default windows (384/128) and with small windows
that force several of them, plus short contexts (a prefix of the paragraph), each with top_k 1 and 3,
with and without handle_impossible_answer, and a few non-default postprocess options.

The XQuAD cases hold no XQuAD text: a case names the question by id and language and the context as a
prefix length of its paragraph (null = whole); the Swift test reads the text from ../shared. Answers are
stored as (score, start, end); the answer text is always context[start:end].

Hard cases (`"hard": true`) carry their own question and context: XQuAD paragraphs (ar, hi, en, zh, th) and a
Persian text with characters the normalizer removes or rewrites inserted (a space followed by U+200B, ZWJ,
ZWNJ, soft hyphens, bidi marks, variation selectors, NBSP, full-width forms, ideographic spaces). Each records
`old_inference_differs`: whether the pipeline's answers change when its word ids are replaced by the old
offset-based inference (a context token starts a word iff its first character is whitespace), proving that
those goldens fail with it.

Usage: .venv/bin/python scripts/reference/reader_e2e_goldens.py [--model DIR] [--out FILE.json.gz]
  (the default model is the tiny committed one; --model Tests/TransformerTests/Fixtures/tiny-xlmr-qa-tf5 with
  --out Tests/ReaderTests/Fixtures/e2e_goldens_tf5.json.gz records the same cases on its transformers 5 copy)
"""

import argparse
import gzip
import json
import random
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


HARD_POSTPROCESS = POSTPROCESS + [{"top_k": 2, "handle_impossible_answer": True}]
PERSIAN = (
    "تهران پایتخت ایران است و بزرگ\u200cترین شهر کشور به\u200cشمار می\u200cرود. \u200bجمعیت این شهر در سال ۱۳۹۵ "
    "حدود ۸\u00a0میلیون نفر بود. \u200bکتاب\u200cخانهٔ ملی ایران در تهران قرار دارد و \u200fهزاران\u200f کتاب "
    "خطی را نگه\u200cداری می\u200cکند. برج میلاد با ارتفاع ۴۳۵ متر \u200bبلندترین برج ایران است."
)
PERSIAN_QUESTIONS = ["پایتخت ایران کجاست؟", "ارتفاع برج میلاد چقدر است؟"]


def as_list(output):
    return [output] if isinstance(output, dict) else list(output)


def with_zwsp_after_spaces(text, rng, rate):
    """U+200B inserted after a share of the spaces (as in Arabic, Persian and Indic web text)."""
    return "".join(c + ("\u200b" if c == " " and rng.random() < rate else "") for c in text)


def with_hard_characters(text, rng, rate):
    """Characters the normalizer removes or rewrites, inserted after a share of the characters."""
    marks = [" \u200b", "\u200b", "\u200c", "\u200d", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202c", "\u202b",
             "\u202e", "\ufe0f", "\ufe0e", "\u00a0", "\u3000", "\uff0c", "\u2060"]
    out = []
    for c in text:
        out.append(c)
        if rng.random() < rate:
            out.append(rng.choice(marks))
    return "".join(out)


def inferred_word_ids(enc, context):
    """The old Swift inference: a context token starts a word iff its first character is whitespace."""
    words, current = [], -1
    for (start, end), sequence in zip(enc.offsets, enc.sequence_ids):
        if sequence != 1:
            words.append(None)
            continue
        if current < 0 or (start < len(context) and end > start and context[start].isspace()):
            current += 1
        words.append(current)
    return words


class InferredEncoding:
    """An encoding whose word ids are the old inference, for the pipeline's `get_indices`."""

    def __init__(self, enc, context):
        self.offsets = enc.offsets
        self.sequence_ids = enc.sequence_ids
        self.words = inferred_word_ids(enc, context)

    def token_to_word(self, index):
        return self.words[index]

    def word_to_chars(self, word, sequence_index):
        tokens = [i for i, w in enumerate(self.words) if w == word and self.sequence_ids[i] == sequence_index]
        if word is None or not tokens:
            raise ValueError("no such word")
        return self.offsets[tokens[0]][0], self.offsets[tokens[-1]][1]


def old_inference_differs(pipe, model_outputs, context, post):
    patched = []
    for output in model_outputs:
        copy = dict(output)
        copy["encoding"] = InferredEncoding(output["encoding"], context)
        patched.append(copy)
    return as_list(pipe.postprocess(patched, **post)) != as_list(pipe.postprocess(model_outputs, **post))


def hard_inputs(shared, picks):
    """(lang, id, question, context) of the hard cases."""
    rng = random.Random(2026)
    inputs = []
    for lang in ["ar", "hi", "en", "zh", "th"]:
        data = json.load(open(Path(shared) / f"data/xquad/xquad.{lang}.json", encoding="utf-8"))
        paragraphs = [p for article in data["data"] for p in article["paragraphs"]]
        for k, p_index in enumerate(picks[:3]):
            paragraph = paragraphs[p_index]
            qa = paragraph["qas"][k % len(paragraph["qas"])]
            if lang == "ar":
                contexts = [("zwsp", with_zwsp_after_spaces(paragraph["context"], rng, 0.35))]
            else:
                contexts = []
            contexts.append(("marks", with_hard_characters(paragraph["context"], rng, 0.08)))
            for kind, context in contexts:
                inputs.append((lang, f"{qa['id']}-{kind}", qa["question"], context))
    for k, question in enumerate(PERSIAN_QUESTIONS):
        inputs.append(("fa", f"fa-{k}", question, PERSIAN))
    return inputs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of the shared assets folder")
    parser.add_argument("--out", default=str(ROOT / "Tests/ReaderTests/Fixtures/e2e_goldens.json.gz"))
    parser.add_argument("--paragraphs", default="0,37,81,150,199,233", help="paragraph indices per language")
    parser.add_argument("--short-chars", type=int, default=160, help="prefix length of the short contexts")
    parser.add_argument("--model", default=str(MODEL), help="the QA model folder (default: the tiny committed one)")
    args = parser.parse_args()
    model_dir = Path(args.model).resolve()

    assert transformers.__version__ == "4.57.6", transformers.__version__
    torch.manual_seed(0)
    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    assert tokenizer.is_fast
    model = AutoModelForQuestionAnswering.from_pretrained(str(model_dir)).eval()
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
    differing = 0
    for lang, case_id, question, context in hard_inputs(args.shared, picks):
        for max_seq_len, doc_stride in FULL_WINDOWS:
            pre = {} if max_seq_len is None else {"max_seq_len": max_seq_len, "doc_stride": doc_stride}
            features = list(pipe.preprocess({"question": question, "context": context}, **pre))
            with torch.no_grad():
                model_outputs = [pipe._forward(feature) for feature in features]
            for post in HARD_POSTPROCESS:
                output = pipe.postprocess(model_outputs, **post)
                with torch.no_grad():
                    direct = pipe(question=question, context=context, **pre, **post)
                assert as_list(direct) == as_list(output), (direct, output)
                differs = old_inference_differs(pipe, model_outputs, context, post)
                differing += differs
                cases.append(
                    {"lang": lang, "id": case_id, "hard": True, "question": question, "context": context,
                     "context_chars": None, "max_seq_len": max_seq_len, "doc_stride": doc_stride, "options": post,
                     "windows": len(features), "single": isinstance(output, dict),
                     "old_inference_differs": differs,
                     "answers": [{"score": float(a["score"]), "start": int(a["start"]), "end": int(a["end"])}
                                 for a in as_list(output)]})
    print(f"hard: {differing} cases whose answers differ with the old word id inference", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "transformers": transformers.__version__,
        "model": str(model_dir.relative_to(ROOT)),
        "cases": cases,
    }
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    multi = sum(1 for c in cases if c.get("windows", 0) > 1)
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({multi} with several windows, {errors} refused) to {out}")


if __name__ == "__main__":
    main()
