#!/usr/bin/env python3
"""The training data of the reader's proof recipe (scripts/bench/train.sh), from XQuAD.

Writes into OUT_DIR:
  train.json           one SQuAD v2.0 file: XQuAD articles 0-35 of the 11 languages (ar de el en es hi ru th tr vi
                       zh), every question with its own paragraph (is_impossible false), plus unanswerable pairs:
                       for a seeded random 30 % of the questions of each article, the question with another paragraph
                       of the same article ("answers": [], "is_impossible": true). XQuAD is parallel, so the questions
                       and paragraphs chosen are the same in every language (chosen once, by id, from the first
                       language's structure, which every other language must share). Ids are suffixed with the
                       language: "<id>-<lang>" and "<id>-unanswerable-<lang>", unique across the whole file.
  heldout.<lang>.json  articles 36-47 of each language as a SQuAD v1.1 file, written exactly as
                       scripts/bench/precision_quality.sh writes its held-out files.

    .venv/bin/python scripts/bench/xquad_train_data.py OUT_DIR [--seed 0] [--xquad ../shared/data/xquad]
"""

import argparse
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LANGUAGES = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]
TRAIN_ARTICLES = slice(0, 36)
HELD_OUT_ARTICLES = slice(36, 48)
UNANSWERABLE_FRACTION = 0.3


def load(xquad, lang):
    with open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8") as f:
        return json.load(f)


def structure(articles):
    """Per article: the list of (paragraph index, question id) in file order."""
    return [[(p, qa["id"]) for p, paragraph in enumerate(article["paragraphs"]) for qa in paragraph["qas"]]
            for article in articles]


def choose_unanswerable(shape, seed):
    """Per article: {question id: index of the other paragraph it is paired with}, one seeded RNG for all."""
    rng = random.Random(seed)
    chosen = []
    for questions in shape:
        paragraphs = sorted({p for p, _ in questions})
        count = round(UNANSWERABLE_FRACTION * len(questions)) if len(paragraphs) > 1 else 0
        pairs = {}
        for p, qid in rng.sample(questions, count):
            pairs[qid] = rng.choice([other for other in paragraphs if other != p])
        chosen.append(pairs)
    return chosen


def train_articles(articles, lang, chosen):
    """One language's training articles in SQuAD v2.0 form."""
    out = []
    for article, pairs in zip(articles, chosen):
        paragraphs = [{"context": paragraph["context"], "qas": []} for paragraph in article["paragraphs"]]
        for p, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                for answer in qa["answers"]:
                    start, text = answer["answer_start"], answer["text"]
                    if not paragraph["context"][start:].startswith(text):
                        sys.exit(f"{lang} {qa['id']}: answer_start {start} does not point at {text!r}")
                paragraphs[p]["qas"].append({
                    "id": f"{qa['id']}-{lang}", "question": qa["question"],
                    "answers": [{"text": a["text"], "answer_start": a["answer_start"]} for a in qa["answers"]],
                    "is_impossible": False})
                if qa["id"] in pairs:
                    paragraphs[pairs[qa["id"]]]["qas"].append({
                        "id": f"{qa['id']}-unanswerable-{lang}", "question": qa["question"],
                        "answers": [], "is_impossible": True})
        out.append({"title": article.get("title", ""), "paragraphs": paragraphs})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--xquad", default=os.path.join(ROOT, "..", "shared", "data", "xquad"))
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    datasets = {lang: load(args.xquad, lang) for lang in LANGUAGES}
    shape = structure(datasets[LANGUAGES[0]]["data"][TRAIN_ARTICLES])
    for lang in LANGUAGES[1:]:
        if structure(datasets[lang]["data"][TRAIN_ARTICLES]) != shape:
            sys.exit(f"xquad.{lang}.json articles 0-35 do not have {LANGUAGES[0]}'s paragraphs and question ids")
    chosen = choose_unanswerable(shape, args.seed)

    data, counts = [], []
    for lang in LANGUAGES:
        articles = train_articles(datasets[lang]["data"][TRAIN_ARTICLES], lang, chosen)
        data.extend(articles)
        qas = [qa for a in articles for p in a["paragraphs"] for qa in p["qas"]]
        counts.append((lang, sum(not q["is_impossible"] for q in qas), sum(q["is_impossible"] for q in qas)))
        held_out = {"version": datasets[lang].get("version", "1.1"), "data": datasets[lang]["data"][HELD_OUT_ARTICLES]}
        with open(os.path.join(args.out_dir, f"heldout.{lang}.json"), "w", encoding="utf-8") as out:
            json.dump(held_out, out, ensure_ascii=False)

    ids = [qa["id"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    if len(ids) != len(set(ids)):
        sys.exit("duplicate question ids in train.json")
    with open(os.path.join(args.out_dir, "train.json"), "w", encoding="utf-8") as out:
        json.dump({"version": "v2.0", "data": data}, out, ensure_ascii=False)

    answerable = sum(c[1] for c in counts)
    unanswerable = sum(c[2] for c in counts)
    held = sum(len(qa["answers"]) > 0 for lang in LANGUAGES for a in datasets[lang]["data"][HELD_OUT_ARTICLES]
               for p in a["paragraphs"] for qa in p["qas"])
    per_language = ", ".join(f"{lang} {a}+{u}" for lang, a, u in counts)
    print(f"train.json: {len(data)} articles, {answerable + unanswerable} questions ({answerable} answerable, "
          f"{unanswerable} unanswerable), seed {args.seed}; per language answerable+unanswerable: {per_language}")
    print(f"heldout.<lang>.json: articles 36-47, {held} questions over {len(LANGUAGES)} languages "
          f"({held // len(LANGUAGES)} per language)")


if __name__ == "__main__":
    main()
