#!/usr/bin/env python3
"""Save XLM-R fixtures through transformers 5.x, the format models fine-tuned today come in.

transformers 5 writes an XLM-R `tokenizer.json` with a bare `Precompiled` normalizer and the pre-tokenizer
`Sequence[WhitespaceSplit, Metaspace(prepend_scheme always, split true)]` (and `<mask>` without lstrip), so no
token's offsets include the space before it. Writes:

  Tests/TokenizersTests/Fixtures/xlmr-tf5/tokenizer-without-vocab.json.gz
      the real XLM-R tokenizer (../shared/models/xlmr-tokenizer) saved by transformers 5, with its 250,002
      vocabulary entries removed (they equal those of ../shared's file, asserted here; the Swift test puts them
      back), so the fixture stays small.
  Tests/TransformerTests/Fixtures/tiny-xlmr-qa-tf5/
      the committed tiny QA model (tiny-xlmr-qa) loaded and saved again by transformers 5 (model and tokenizer).

Run it in a separate venv (the reference .venv keeps transformers 4.57.6):
  python3 -m venv /work/venv-tf5
  /work/venv-tf5/bin/pip install /opt/wheels/torch-2.13.0+cpu-*.whl 'transformers>=5' sentencepiece safetensors
  /work/venv-tf5/bin/python scripts/reference/tf5_fixtures.py
Then regenerate the goldens with the reference venv: tokenizer_goldens.py --only xlmr-tf5, and
reader_e2e_goldens.py --model Tests/TransformerTests/Fixtures/tiny-xlmr-qa-tf5 --out …/e2e_goldens_tf5.json.gz.
"""
import argparse
import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path

import transformers
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, XLMRobertaTokenizer

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args()
    assert transformers.__version__.startswith("5."), transformers.__version__

    source = Path(args.shared) / "models" / "xlmr-tokenizer"
    with tempfile.TemporaryDirectory() as tmp:
        XLMRobertaTokenizer.from_pretrained(str(source)).save_pretrained(tmp)
        saved = json.load(open(os.path.join(tmp, "tokenizer.json"), encoding="utf-8"))
    original = json.load(open(source / "tokenizer.json", encoding="utf-8"))
    assert saved["pre_tokenizer"]["type"] == "Sequence" and saved["normalizer"]["type"] == "Precompiled", saved
    assert saved["model"]["vocab"] == original["model"]["vocab"]
    saved["model"]["vocab"] = []
    out = ROOT / "Tests/TokenizersTests/Fixtures/xlmr-tf5"
    out.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out / "tokenizer-without-vocab.json.gz", "wb", mtime=0) as f:
        f.write(json.dumps(saved, ensure_ascii=False, indent=2).encode("utf-8"))
    print("wrote", out / "tokenizer-without-vocab.json.gz")

    tiny = ROOT / "Tests/TransformerTests/Fixtures/tiny-xlmr-qa"
    target = ROOT / "Tests/TransformerTests/Fixtures/tiny-xlmr-qa-tf5"
    shutil.rmtree(target, ignore_errors=True)
    AutoModelForQuestionAnswering.from_pretrained(str(tiny)).save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(tiny)).save_pretrained(str(target))
    tokenizer = json.load(open(target / "tokenizer.json", encoding="utf-8"))
    print("wrote", target, "pre_tokenizer:", json.dumps(tokenizer["pre_tokenizer"]))


if __name__ == "__main__":
    main()
