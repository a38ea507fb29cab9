#!/usr/bin/env python3
"""Reference embeddings for the `askdocs embed` end-to-end test.

Runs the committed tiny sentence-transformers BERT (Tests/TransformerTests/Fixtures/tiny-bert-mean) with the tiny
XLM-R style tokenizer, exactly as sentence-transformers would: prompt prefix, truncation to max_seq_length (128),
mean pooling over the attention mask, L2 normalisation. Writes Tests/AskDocsCLITests/Fixtures/embed-goldens.json.
"""
import argparse
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import BertModel

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "TransformerTests" / "Fixtures"

TEXTS = [
    "The Rhine flows through Basel.",
    "长江是中国最长的河流。",
    "แม่น้ำเจ้าพระยาไหลผ่านกรุงเทพมหานคร",
    "",
    "Wolga " * 300,  # longer than max_seq_length: truncated
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "AskDocsCLITests" / "Fixtures" / "embed-goldens.json")
    args = ap.parse_args()
    tok = Tokenizer.from_file(str(FIXTURES / "tiny-tokenizer" / "tokenizer.json"))
    model_dir = FIXTURES / "tiny-bert-mean"
    model = BertModel.from_pretrained(model_dir).eval()
    max_len = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
    tok.enable_truncation(max_len)
    cases = []
    for prompt_name, prompt in [(None, ""), ("query", "query: ")]:
        for text in TEXTS:
            ids = tok.encode(prompt + text).ids
            with torch.inference_mode():
                out = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long))
            vec = out.last_hidden_state[0].mean(0)
            vec = vec / vec.norm().clamp_min(1e-12)
            cases.append({"text": text, "prompt_name": prompt_name, "token_count": len(ids), "embedding": vec.tolist()})
    args.out.write_text(json.dumps({"model": "tiny-bert-mean + tiny-tokenizer", "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
