#!/usr/bin/env python3
"""Builds the Transformer module's test fixtures and PyTorch goldens.

Default mode writes small, committed fixtures under Tests/TransformerTests/Fixtures:
  tiny-tokenizer/     SentencePiece Unigram (trained on XQuAD, 11 languages) as an XLM-R style HF tokenizer
  tiny-xlmr-qa/       random XLMRobertaForQuestionAnswering (safetensors) + tokenizer files
  tiny-bert-mean/     random BertModel as a sentence-transformers folder (mean pooling + Normalize)
  tiny-bert-cls/      random BertModel, gelu_new, sentence-transformers CLS pooling, no Normalize
  goldens.json        input ids and PyTorch outputs (QA start/end logits, pooled embeddings)

--full-size writes random models with the real xlm-roberta-base/large shapes into models/ (git-ignored)
plus reference QA logits on 20 XQuAD windows of 384 tokens (real XLM-R tokenizer from ../shared).
"""
import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "Tests" / "TransformerTests" / "Fixtures"
LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]


def xquad(lang):
    with open(SHARED / "data" / "xquad" / f"xquad.{lang}.json", encoding="utf-8") as f:
        data = json.load(f)["data"]
    return [p for article in data for p in article["paragraphs"]]


def train_tokenizer(out_dir: Path, vocab_size: int):
    import sentencepiece as spm
    from transformers import XLMRobertaTokenizerFast

    lines = []
    for lang in LANGS:
        for p in xquad(lang)[:60]:
            lines.append(p["context"].replace("\n", " ").lstrip("\ufeff"))
            lines.extend(q["question"] for q in p["qas"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(lines), encoding="utf-8")
        prefix = Path(tmp) / "sp"
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
            character_coverage=0.995, num_threads=1, shuffle_input_sentence=False, seed_sentencepiece_size=200000,
            input_sentence_size=0, byte_fallback=False, max_sentence_length=100000,
        )
        # The trainer records its temporary paths in the model; fix them so reruns are byte-identical.
        from sentencepiece import sentencepiece_model_pb2

        proto = sentencepiece_model_pb2.ModelProto()
        model_file = Path(str(prefix) + ".model")
        proto.ParseFromString(model_file.read_bytes())
        del proto.trainer_spec.input[:]
        proto.trainer_spec.input.append("xquad-11-languages.txt")
        proto.trainer_spec.model_prefix = "sentencepiece"
        model_file.write_bytes(proto.SerializeToString())
        tok = XLMRobertaTokenizerFast(vocab_file=str(model_file))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tok.save_pretrained(out_dir)
    return XLMRobertaTokenizerFast.from_pretrained(out_dir)


def randomise(model, seed, linear_std):
    """HF's init (std 0.02) makes a tiny model nearly linear; wider weights exercise softmax and GELU for real."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(linear_std * torch.randn(p.shape, generator=g))


def qa_inputs(tok, max_length):
    """Question/context pairs in several languages: long (truncated to max_length), medium and short."""
    seqs = []
    for i, lang in enumerate(["en", "de", "ru", "zh", "th", "ar", "hi", "el", "vi", "tr", "es"]):
        p = xquad(lang)[i * 7]
        q = p["qas"][0]["question"]
        if i < 3:  # full windows
            enc = tok(q, p["context"], truncation="only_second", max_length=max_length)
        elif i < 8:  # medium windows
            enc = tok(q, p["context"], truncation="only_second", max_length=40 + 23 * i)
        else:  # question only
            enc = tok(q)
        seqs.append(enc["input_ids"])
    return seqs


def run_padded(model, seqs, pad_id, batch_size, fn):
    """Runs PyTorch on padded batches (as the pipelines do) and returns fn(outputs)[i][:len_i] per sequence."""
    out = [None] * len(seqs)
    for start in range(0, len(seqs), batch_size):
        chunk = seqs[start:start + batch_size]
        width = max(map(len, chunk))
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for j, s in enumerate(chunk):
            ids[j, :len(s)] = torch.tensor(s)
            mask[j, :len(s)] = 1
        with torch.inference_mode():
            res = fn(model(input_ids=ids, attention_mask=mask), mask)
        for j, s in enumerate(chunk):
            out[start + j] = res(j, len(s))
    return out


def floats(t):
    return [float(x) for x in np.asarray(t, dtype=np.float32).reshape(-1)]


def make_tiny(args):
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaForQuestionAnswering

    FIXTURES.mkdir(parents=True, exist_ok=True)
    tok = train_tokenizer(FIXTURES / "tiny-tokenizer", args.vocab_size)
    vocab = len(tok)
    goldens = {"qa": {}, "embeddings": {}}

    # (b) tiny XLM-R QA model
    torch.manual_seed(args.seed)
    cfg = XLMRobertaConfig(
        vocab_size=vocab, hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        layer_norm_eps=1e-5, hidden_act="gelu", attn_implementation="eager",
    )
    qa = XLMRobertaForQuestionAnswering(cfg).eval()
    randomise(qa, args.seed, linear_std=0.2)
    with torch.no_grad():  # distinct start/end logits: no ties between tokens
        qa.qa_outputs.weight.copy_(torch.randn(qa.qa_outputs.weight.shape, generator=torch.Generator().manual_seed(7)))
        qa.qa_outputs.bias.copy_(torch.tensor([0.25, -0.5]))
    qa_dir = FIXTURES / "tiny-xlmr-qa"
    if qa_dir.exists():
        shutil.rmtree(qa_dir)
    qa.save_pretrained(qa_dir, safe_serialization=True)
    tok.save_pretrained(qa_dir)
    (qa_dir / "sentencepiece.bpe.model").unlink(missing_ok=True)  # tokenizer.json is enough; keep fixtures small

    seqs = qa_inputs(tok, 384)
    logits = run_padded(
        qa, seqs, cfg.pad_token_id, 4,
        lambda o, m: (lambda j, n: (floats(o.start_logits[j, :n]), floats(o.end_logits[j, :n]))),
    )
    goldens["qa"]["tiny-xlmr-qa"] = [
        {"ids": s, "start": st, "end": en} for s, (st, en) in zip(seqs, logits)
    ]

    # (c) tiny BERT sentence-transformers models
    sentences = []
    for i, lang in enumerate(LANGS):
        p = xquad(lang)[i * 5 + 1]
        sentences.append(p["qas"][0]["question"])
        sentences.append(p["context"][: 60 + 40 * i])
    ids = [tok(s, truncation=True, max_length=128)["input_ids"] for s in sentences]
    for name, act, pooling, normalize in [("tiny-bert-mean", "gelu", "mean", True), ("tiny-bert-cls", "gelu_new", "cls", False)]:
        torch.manual_seed(args.seed + 1)
        bcfg = BertConfig(
            vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=256, type_vocab_size=2, pad_token_id=1, layer_norm_eps=1e-12, hidden_act=act,
            attn_implementation="eager",
        )
        bert = BertModel(bcfg, add_pooling_layer=False).eval()
        randomise(bert, args.seed + 2, linear_std=0.3)
        out_dir = FIXTURES / name
        if out_dir.exists():
            shutil.rmtree(out_dir)
        bert.save_pretrained(out_dir, safe_serialization=True)  # tokenizer: see tiny-tokenizer/
        modules = [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ]
        if normalize:
            modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
            (out_dir / "2_Normalize").mkdir()
        (out_dir / "modules.json").write_text(json.dumps(modules, indent=2))
        (out_dir / "1_Pooling").mkdir()
        (out_dir / "1_Pooling" / "config.json").write_text(json.dumps({
            "word_embedding_dimension": 32, "pooling_mode_cls_token": pooling == "cls",
            "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False, "include_prompt": True,
        }, indent=2))
        (out_dir / "config_sentence_transformers.json").write_text(json.dumps({
            "__version__": {"sentence_transformers": "3.0.1", "transformers": "4.57.6", "pytorch": torch.__version__},
            "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        }, indent=2))
        (out_dir / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128, "do_lower_case": False}))

        def pool(o, m, pooling=pooling, normalize=normalize):
            h = o.last_hidden_state
            if pooling == "mean":
                mf = m.unsqueeze(-1).to(h.dtype)
                e = (h * mf).sum(1) / torch.clamp(mf.sum(1), min=1e-9)
            else:
                e = h[:, 0]
            if normalize:
                e = torch.nn.functional.normalize(e, p=2, dim=1)
            return lambda j, n: floats(e[j])

        emb = run_padded(bert, ids, bcfg.pad_token_id, 5, pool)
        goldens["embeddings"][name] = [{"ids": s, "embedding": e} for s, e in zip(ids, emb)]

    (FIXTURES / "goldens.json").write_text(json.dumps(goldens, separators=(",", ":")))
    total = sum(f.stat().st_size for f in FIXTURES.rglob("*") if f.is_file())
    print(f"fixtures written to {FIXTURES} ({total / 1e6:.2f} MB), vocab {vocab}")


def full_size_windows(n, length):
    """n XQuAD question+context windows of exactly `length` ids with the real XLM-R tokenizer."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(SHARED / "models" / "xlmr-tokenizer" / "tokenizer.json"))
    windows = []
    i = 0
    while len(windows) < n:
        lang = LANGS[i % len(LANGS)]
        paragraphs = xquad(lang)
        p = paragraphs[i]
        q = tok.encode(p["qas"][0]["question"], add_special_tokens=False).ids
        ctx = []
        j = i
        while len(q) + len(ctx) + 4 < length:  # extend with following paragraphs until the window is full
            ctx += tok.encode(paragraphs[j % len(paragraphs)]["context"], add_special_tokens=False).ids
            j += 1
        ctx = ctx[: length - len(q) - 4]
        windows.append([0] + q + [2, 2] + ctx + [2])
        i += 1
    return windows


def make_full(args):
    from safetensors.torch import save_file
    from transformers import XLMRobertaConfig, XLMRobertaForQuestionAnswering

    windows = full_size_windows(20, 384)
    shapes = {"base": (768, 12, 12, 3072), "large": (1024, 24, 16, 4096)}
    for name in args.sizes:
        hidden, layers, heads, inter = shapes[name]
        out_dir = ROOT / "models" / f"random-xlm-roberta-{name}-qa"
        torch.manual_seed(args.seed)
        cfg = XLMRobertaConfig(
            vocab_size=250002, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
            intermediate_size=inter, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
            layer_norm_eps=1e-5, hidden_act="gelu", attn_implementation="eager",
        )
        model = XLMRobertaForQuestionAnswering(cfg).eval()
        with torch.no_grad():
            model.qa_outputs.weight.normal_(0, 1.0)
        out_dir.mkdir(parents=True, exist_ok=True)
        cfg.save_pretrained(out_dir)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out_dir / "model.safetensors"),
                  metadata={"format": "pt"})
        refs = []
        with torch.inference_mode():
            for w in windows:
                o = model(input_ids=torch.tensor([w]))
                refs.append({"ids": w, "start": floats(o.start_logits[0]), "end": floats(o.end_logits[0])})
        (out_dir / "reference.json").write_text(json.dumps(refs, separators=(",", ":")))
        print(f"wrote {out_dir} and {len(refs)} reference windows")
        del model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--vocab-size", type=int, default=2000, help="SentencePiece pieces (tokenizer adds 2)")
    ap.add_argument("--full-size", action="store_true", help="write random full-size models to models/ instead")
    ap.add_argument("--sizes", nargs="+", default=["base", "large"], choices=["base", "large"])
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.full_size:
        make_full(args)
    else:
        make_tiny(args)


if __name__ == "__main__":
    main()
