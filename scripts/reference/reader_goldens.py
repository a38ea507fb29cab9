#!/usr/bin/env python3
"""Record question-answering pipeline goldens for the Swift `Reader` module.

Builds a tiny seeded random `XLMRobertaForQuestionAnswering` (hidden 32, 2 layers, QA head perturbed
so logits vary), loads the REAL XLM-R tokenizer from ../shared/models/xlmr-tokenizer, and runs the
transformers 4.57.6 `question-answering` pipeline on XQuAD questions in all 11 languages.

For every (question, context, max_seq_len, doc_stride) it records each window the pipeline built:
offsets, sequence ids, word ids (the fast tokenizer's `Encoding.word_ids`), the `<s>` positions and the
model's start/end logits (float32 bit patterns, so the Swift test reads them exactly). For every case
(window configuration x postprocess options) it records the pipeline's final output.

Cases come in two flavours:
  * "pipeline": the output of calling `pipe(question=..., context=..., **options)` directly; the script
    also checks that `pipe.postprocess` on the recorded windows reproduces it.
  * "boosted": the recorded logits with +`--null-boost` added at index 0 (the `<s>` token) before
    `pipe.postprocess`, so that `handle_impossible_answer` actually wins in some cases (a random model
    rarely prefers the null span).

Usage: .venv/bin/python scripts/reference/reader_goldens.py [--out Tests/ReaderTests/Fixtures/pipeline_goldens.json.gz]
"""

import argparse
import gzip
import json
import struct
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import XLMRobertaConfig, XLMRobertaForQuestionAnswering, XLMRobertaTokenizerFast, pipeline

LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
ROOT = Path(__file__).resolve().parents[2]


def f32_bits(values):
    """float32 values as unsigned 32-bit patterns (exact, compact in JSON)."""
    return [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in np.asarray(values, dtype=np.float32)]


def build_model(seed):
    torch.manual_seed(seed)
    config = XLMRobertaConfig(
        vocab_size=250002,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    model = XLMRobertaForQuestionAnswering(config)
    with torch.no_grad():
        # The default init (std 0.02) gives near-constant logits; a wider QA head makes spans differ.
        model.qa_outputs.weight.normal_(0.0, 0.6)
        model.qa_outputs.bias.normal_(0.0, 0.5)
    model.eval()
    return model


def answers_of(output):
    if isinstance(output, dict):
        return "single", [output]
    return "list", list(output)


def normalise(answers):
    return [
        {"answer": a["answer"], "score": float(a["score"]), "start": int(a["start"]), "end": int(a["end"])}
        for a in answers
    ]


def committed(answers, context):
    """Answers without their text, which is always context[start:end] (the test rebuilds it)."""
    for a in answers:
        assert a["answer"] == context[a["start"] : a["end"]], a
    return [{"score": a["score"], "start": a["start"], "end": a["end"]} for a in answers]


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if (x["answer"], x["start"], x["end"]) != (y["answer"], y["start"], y["end"]):
            return False
        if abs(x["score"] - y["score"]) > 1e-12 * max(1.0, abs(x["score"])):
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of the shared assets folder")
    parser.add_argument(
        "--out", default=str(ROOT / "Tests/ReaderTests/Fixtures/pipeline_goldens.json.gz"), help="output file"
    )
    parser.add_argument("--seed", type=int, default=20240605, help="model seed")
    parser.add_argument("--questions-per-language", type=int, default=4)
    parser.add_argument("--null-boost", type=float, default=7.0, help="logit added at <s> in boosted cases")
    args = parser.parse_args()

    assert transformers.__version__ == "4.57.6", transformers.__version__
    shared = Path(args.shared)
    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(shared / "models/xlmr-tokenizer/tokenizer.json"))
    model = build_model(args.seed)
    pipe = pipeline("question-answering", model=model, tokenizer=tokenizer, framework="pt", device="cpu")

    window_configs = [
        {"max_seq_len": None, "doc_stride": None},  # pipeline defaults: 384 / 128
        {"max_seq_len": 128, "doc_stride": 48},  # forces several windows
        {"max_seq_len": 64, "doc_stride": 24},  # many small windows
    ]
    post_configs = [
        {"top_k": 1},
        {"top_k": 3},
        {"top_k": 1, "handle_impossible_answer": True},
        {"top_k": 3, "handle_impossible_answer": True},
        {"top_k": 3, "align_to_words": False},
        {"top_k": 1, "handle_impossible_answer": True, "align_to_words": False},
        {"top_k": 5, "max_answer_len": 4},
    ]

    inputs, cases = [], []
    paragraph_picks = [0, 37, 81, 150, 199, 233]
    for lang in LANGS:
        data = json.load(open(shared / f"data/xquad/xquad.{lang}.json", encoding="utf-8"))
        paragraphs = [p for article in data["data"] for p in article["paragraphs"]]
        for q_index, p_index in enumerate(paragraph_picks[: args.questions_per_language]):
            paragraph = paragraphs[p_index]
            qa = paragraph["qas"][q_index % len(paragraph["qas"])]
            question, context = qa["question"], paragraph["context"]
            for wc_index, wc in enumerate(window_configs):
                # The smallest windows only for two questions per language, to keep the fixture small.
                if wc_index == 2 and q_index >= 2:
                    continue
                pre = {k: v for k, v in wc.items() if v is not None}
                features = list(pipe.preprocess({"question": question, "context": context}, **pre))
                windows, outputs = [], []
                with torch.no_grad():
                    for feature in features:
                        out = pipe._forward(feature)
                        outputs.append(out)
                        enc = feature["encoding"]
                        ids = feature["input_ids"][0].tolist()
                        windows.append(
                            {
                                "offsets": [list(o) for o in enc.offsets],
                                "sequenceIds": list(enc.sequence_ids),
                                "wordIds": list(enc.word_ids),
                                "clsPositions": [i for i, t in enumerate(ids) if t == tokenizer.cls_token_id],
                                "pMask": [int(x) for x in feature["p_mask"][0].tolist()],
                                "startLogits": f32_bits(out["start"][0].numpy()),
                                "endLogits": f32_bits(out["end"][0].numpy()),
                            }
                        )
                input_index = len(inputs)
                inputs.append(
                    {
                        "id": f"{qa['id']}-{lang}-w{wc_index}",
                        "language": lang,
                        # Texts stay in ../shared (third-party data is never committed): the test looks
                        # them up by language, paragraph index and question id.
                        "qaId": qa["id"],
                        "paragraph": p_index,
                        "maxSeqLen": wc["max_seq_len"] or 384,
                        "docStride": wc["doc_stride"] or 128,
                        "windows": windows,
                    }
                )
                for options in post_configs:
                    direct = pipe(question=question, context=context, **pre, **options)
                    kind, answers = answers_of(direct)
                    manual = pipe.postprocess(outputs, **options)
                    _, manual_answers = answers_of(manual)
                    assert same(normalise(answers), normalise(manual_answers)), (question, options)
                    cases.append(
                        {"input": input_index, "options": options, "flavour": "pipeline", "shape": kind,
                         "answers": committed(normalise(answers), context)}
                    )
                # Boosted null logit: handle_impossible_answer has a chance to win.
                boosted = []
                for out in outputs:
                    copy = dict(out)
                    copy["start"] = out["start"].clone()
                    copy["end"] = out["end"].clone()
                    copy["start"][0, 0] += args.null_boost
                    copy["end"][0, 0] += args.null_boost
                    boosted.append(copy)
                for options in post_configs[2:4]:
                    kind, answers = answers_of(pipe.postprocess(boosted, **options))
                    cases.append(
                        {"input": input_index, "options": options, "flavour": "boosted", "nullBoost": args.null_boost,
                         "shape": kind, "answers": committed(normalise(answers), context)}
                    )

    document = {
        "generator": "scripts/reference/reader_goldens.py",
        "transformers": transformers.__version__,
        "seed": args.seed,
        "inputs": inputs,
        "cases": cases,
    }
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as gz:
            gz.write(raw)
    empty = sum(1 for c in cases if any(a["end"] <= a["start"] for a in c["answers"][:1]))
    windows = sum(len(i["windows"]) for i in inputs)
    print(f"{len(inputs)} inputs, {windows} windows, {len(cases)} cases ({empty} with a null top answer); "
          f"{len(raw)} bytes raw, {out.stat().st_size} gzip -> {out}")


if __name__ == "__main__":
    main()
