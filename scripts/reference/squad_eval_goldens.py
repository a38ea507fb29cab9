#!/usr/bin/env python3
"""Record goldens of the SQuAD v2 evaluation for the Swift `SQuADEvaluator` tests.

Runs scripts/reference/squad_v2_eval.py as a program (exactly as a user would) on
  * the committed hand-made SQuAD v2 file and predictions under Tests/ReaderTests/Fixtures
    (without and with --na-prob-file, and with --na-prob-thresh 0.5), and
  * XQuAD in all 11 languages from ../shared, turned into SQuAD v2 by dropping the answers of every
    4th question (index % 4 == 3 in file order), with seeded synthetic predictions (gold, widened,
    shrunk, random and empty spans) and no-answer probabilities rounded to 0.05 so ties occur;
    evaluated with SQuAD normalisation (en) and with --lang <language> (MLQA normalisation).

XQuAD text is never committed: predictions are stored as character offsets into the context.

Usage: .venv/bin/python scripts/reference/squad_eval_goldens.py [--out Tests/ReaderTests/Fixtures/squad_eval_goldens.json.gz]
"""

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/ReaderTests/Fixtures"
SCRIPT = ROOT / "scripts/reference/squad_v2_eval.py"
LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]


def run_official(data, preds, na_probs=None, thresh=None, lang=None):
    command = [sys.executable, str(SCRIPT), str(data), str(preds)]
    if na_probs:
        command += ["--na-prob-file", str(na_probs)]
    if thresh is not None:
        command += ["--na-prob-thresh", str(thresh)]
    if lang:
        command += ["--lang", lang]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def as_v2(dataset):
    """Every 4th question (file order) loses its answers and becomes impossible."""
    index = 0
    for article in dataset["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if index % 4 == 3:
                    qa["answers"] = []
                    qa["is_impossible"] = True
                index += 1
    dataset["version"] = "v2.0"
    return dataset


def synthetic_prediction(rng, context, qa):
    """A (start, end) span: gold, widened, shrunk, random, or empty."""
    kind = rng.randrange(6)
    if qa["answers"]:
        gold = qa["answers"][0]
        start, end = gold["answer_start"], gold["answer_start"] + len(gold["text"])
    else:
        start = rng.randrange(len(context))
        end = min(len(context), start + rng.randrange(1, 25))
    if kind == 0:
        pass
    elif kind == 1:
        start, end = max(0, start - rng.randrange(0, 12)), min(len(context), end + rng.randrange(0, 12))
    elif kind == 2:
        start, end = min(end, start + rng.randrange(0, 4)), max(start, end - rng.randrange(0, 4))
    elif kind == 3:
        start = rng.randrange(len(context))
        end = min(len(context), start + rng.randrange(1, 40))
    elif kind == 4:
        return 0, 0
    else:
        end = min(len(context), end + rng.randrange(1, 30))
    return start, end


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of the shared assets folder")
    parser.add_argument("--out", default=str(FIXTURES / "squad_eval_goldens.json.gz"), help="output file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questions", type=int, default=400, help="questions per language (file order)")
    args = parser.parse_args()

    scenarios = []
    handmade = FIXTURES / "squad_v2_handmade.json"
    predictions = FIXTURES / "squad_v2_handmade_predictions.json"
    na_probs = FIXTURES / "squad_v2_handmade_na_probs.json"
    for name, kwargs in [
        ("handmade", {}),
        ("handmade+na", {"na_probs": na_probs}),
        ("handmade+na+thresh0.5", {"na_probs": na_probs, "thresh": 0.5}),
        ("handmade+lang-en", {"lang": "en"}),
        ("handmade+lang-zh+na", {"na_probs": na_probs, "lang": "zh"}),
    ]:
        scenarios.append(
            {"name": name, "dataset": "handmade", "threshold": kwargs.get("thresh", 1.0), "lang": kwargs.get("lang"),
             "useNaProbs": "na_probs" in kwargs, "expected": run_official(handmade, predictions, **kwargs)}
        )

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for lang in LANGS:
            dataset = json.load(open(Path(args.shared) / f"data/xquad/xquad.{lang}.json", encoding="utf-8"))
            dataset = as_v2(dataset)
            spans, probs, preds = [], [], {}
            count = 0
            for article in dataset["data"]:
                for paragraph in article["paragraphs"]:
                    for qa in paragraph["qas"]:
                        if count >= args.questions:
                            continue
                        count += 1
                        start, end = synthetic_prediction(rng, paragraph["context"], qa)
                        spans.append([qa["id"], start, end])
                        preds[qa["id"]] = paragraph["context"][start:end]
                        probs.append([qa["id"], round(rng.randrange(21) * 0.05, 2)])
            # Keep only the evaluated questions in the dataset, so the script's breakdowns see no missing ids.
            for article in dataset["data"]:
                for paragraph in article["paragraphs"]:
                    paragraph["qas"] = [qa for qa in paragraph["qas"] if qa["id"] in preds]
            # Probabilities in a shuffled order: ties are broken by file order in the threshold search.
            rng.shuffle(probs)
            data_path, pred_path, na_path = tmp / "data.json", tmp / "pred.json", tmp / "na.json"
            json.dump(dataset, open(data_path, "w", encoding="utf-8"), ensure_ascii=False)
            json.dump(preds, open(pred_path, "w", encoding="utf-8"), ensure_ascii=False)
            json.dump(dict(probs), open(na_path, "w", encoding="utf-8"))
            runs = [(f"xquad-{lang}+lang+na", {"na_probs": na_path, "lang": lang})]
            if lang == "en":
                runs.append(("xquad-en+na", {"na_probs": na_path}))
                runs.append(("xquad-en", {}))
            for name, kwargs in runs:
                scenarios.append(
                    {"name": name, "dataset": f"xquad.{lang}", "questions": args.questions, "lang": kwargs.get("lang"),
                     "threshold": 1.0, "useNaProbs": "na_probs" in kwargs, "predictionSpans": spans,
                     "naProbs": probs, "expected": run_official(data_path, pred_path, **kwargs)}
                )

    raw = json.dumps({"generator": "scripts/reference/squad_eval_goldens.py", "scenarios": scenarios},
                     ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(args.out, "wb") as handle:
        with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as gz:
            gz.write(raw)
    print(f"{len(scenarios)} scenarios, {len(raw)} bytes raw -> {args.out}")


if __name__ == "__main__":
    main()
