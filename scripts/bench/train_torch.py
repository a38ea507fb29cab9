#!/usr/bin/env python3
"""PyTorch side of scripts/bench/train.sh: fine-tunes an extractive reader with the proof recipe.

The model folder is loaded as AutoModelForQuestionAnswering (a BertModel folder such as multilingual-e5-small gets a
freshly initialised qa_outputs head, seeded). Training features are those of transformers'
examples/pytorch/question-answering/run_qa.py `prepare_train_features` (question lstripped, truncation only_second,
max length, stride, every overflowing window; the answer's character span mapped to token start/end positions; an
unanswerable question, or an answer not wholly inside the window, targets the CLS token). The windows are shuffled
with the seed (a new permutation each epoch) and cut into mini-batches padded to the longest window of the batch.
AdamW (weight decay on every weight but biases and LayerNorm weights; betas 0.9/0.999, eps 1e-8) with
get_linear_schedule_with_warmup (ceil(warmup ratio x steps) warm-up steps), clip_grad_norm_ 1.0, dropout as the
config says (model.train()). --freeze-embeddings freezes the word-embedding matrix only.

Progress goes to stderr. With --json one object goes to stdout at the end: steps, windows (windows trained on),
seconds and windows_per_second (the training steps only), final_loss (the last step's loss), mean_loss_last_10,
load_seconds (model and tokenizer), features_seconds (reading the data and building the windows), threads.

    .venv/bin/python scripts/bench/train_torch.py --model models/multilingual-e5-small --data train.json --steps 500 \
        [--batch-size 16] [--max-seq-len 256] [--doc-stride 96] [--learning-rate 1e-4] [--warmup-ratio 0.1] \
        [--weight-decay 0.01] [--max-grad-norm 1.0] [--freeze-embeddings] [--seed 42] [--threads 2] [--out DIR] [--json]
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import time

import numpy as np
import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model"]


def read_examples(paths):
    """Every question of the SQuAD v1.1/v2.0 files, in file order, as run_qa's columns."""
    examples = {"id": [], "question": [], "context": [], "answers": []}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)["data"]
        for article in data:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = [] if qa.get("is_impossible", False) else qa["answers"]
                    examples["id"].append(qa["id"])
                    examples["question"].append(qa["question"])
                    examples["context"].append(paragraph["context"])
                    examples["answers"].append({"text": [a["text"] for a in answers],
                                                "answer_start": [a["answer_start"] for a in answers]})
    return examples


def prepare_train_features(examples, tokenizer, max_seq_length, doc_stride):
    """run_qa.py's prepare_train_features (pad_to_max_length False), unchanged but for the argument names."""
    pad_on_right = tokenizer.padding_side == "right"
    examples["question"] = [q.lstrip() for q in examples["question"]]
    tokenized_examples = tokenizer(
        examples["question" if pad_on_right else "context"],
        examples["context" if pad_on_right else "question"],
        truncation="only_second" if pad_on_right else "only_first",
        max_length=max_seq_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    sample_mapping = tokenized_examples.pop("overflow_to_sample_mapping")
    offset_mapping = tokenized_examples.pop("offset_mapping")
    tokenized_examples["start_positions"] = []
    tokenized_examples["end_positions"] = []
    for i, offsets in enumerate(offset_mapping):
        input_ids = tokenized_examples["input_ids"][i]
        if tokenizer.cls_token_id in input_ids:
            cls_index = input_ids.index(tokenizer.cls_token_id)
        elif tokenizer.bos_token_id in input_ids:
            cls_index = input_ids.index(tokenizer.bos_token_id)
        else:
            cls_index = 0
        sequence_ids = tokenized_examples.sequence_ids(i)
        sample_index = sample_mapping[i]
        answers = examples["answers"][sample_index]
        if len(answers["answer_start"]) == 0:
            tokenized_examples["start_positions"].append(cls_index)
            tokenized_examples["end_positions"].append(cls_index)
        else:
            start_char = answers["answer_start"][0]
            end_char = start_char + len(answers["text"][0])
            token_start_index = 0
            while sequence_ids[token_start_index] != (1 if pad_on_right else 0):
                token_start_index += 1
            token_end_index = len(input_ids) - 1
            while sequence_ids[token_end_index] != (1 if pad_on_right else 0):
                token_end_index -= 1
            if not (offsets[token_start_index][0] <= start_char and offsets[token_end_index][1] >= end_char):
                tokenized_examples["start_positions"].append(cls_index)
                tokenized_examples["end_positions"].append(cls_index)
            else:
                while token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char:
                    token_start_index += 1
                tokenized_examples["start_positions"].append(token_start_index - 1)
                while offsets[token_end_index][1] >= end_char:
                    token_end_index -= 1
                tokenized_examples["end_positions"].append(token_end_index + 1)
    return tokenized_examples


def collate(features, indices, pad_token_id):
    """One mini-batch padded to its longest window (DataCollatorWithPadding on the right)."""
    width = max(len(features["input_ids"][i]) for i in indices)
    batch = {}
    for name in [n for n in ("input_ids", "token_type_ids", "attention_mask") if n in features]:
        pad = pad_token_id if name == "input_ids" else 0
        batch[name] = torch.tensor([features[name][i] + [pad] * (width - len(features[name][i])) for i in indices])
    if "attention_mask" not in batch:
        batch["attention_mask"] = (batch["input_ids"] != pad_token_id).long()
    batch["start_positions"] = torch.tensor([features["start_positions"][i] for i in indices])
    batch["end_positions"] = torch.tensor([features["end_positions"][i] for i in indices])
    return batch


def batches(count, batch_size, generator):
    """Endless mini-batches of window indices: a new seeded permutation per epoch, the last batch may be short."""
    while True:
        order = torch.randperm(count, generator=generator).tolist()
        for start in range(0, count, batch_size):
            yield order[start:start + batch_size]


def optimizer_for(model, learning_rate, weight_decay):
    """AdamW as transformers' Trainer builds it: no decay on biases and LayerNorm weights; frozen tensors left out."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if name.endswith(".bias") or "LayerNorm" in name else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=learning_rate, betas=(0.9, 0.999), eps=1e-8)


def save(model, model_dir, out):
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        source = os.path.join(model_dir, name)
        if os.path.isfile(source):
            shutil.copyfile(source, os.path.join(out, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, action="append", help="SQuAD v1.1/v2.0 file (repeatable)")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-seq-len", type=int, default=256)
    ap.add_argument("--doc-stride", type=int, default=96)
    ap.add_argument("--learning-rate", type=float, default=1e-4)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--freeze-embeddings", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=10, help="progress line every N steps (and the first, last)")
    ap.add_argument("--out")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)  # transformers.set_seed, as run_qa calls it before the model is made
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
    if args.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    examples = read_examples(args.data)
    max_seq_length = min(args.max_seq_len, tokenizer.model_max_length)
    features = prepare_train_features(examples, tokenizer, max_seq_length, args.doc_stride)
    count = len(features["input_ids"])
    features_seconds = time.perf_counter() - started
    impossible = sum(1 for s in features["start_positions"] if s == 0)
    print(f"train_torch: {len(examples['id'])} questions -> {count} windows of <= {max_seq_length} tokens "
          f"(stride {args.doc_stride}; {impossible} target CLS) in {features_seconds:.1f} s; model loaded in "
          f"{load_seconds:.1f} s; {args.threads} threads", file=sys.stderr)

    optimizer = optimizer_for(model, args.learning_rate, args.weight_decay)
    warmup = math.ceil(args.warmup_ratio * args.steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup, args.steps)
    generator = torch.Generator().manual_seed(args.seed)
    stream = batches(count, args.batch_size, generator)

    model.train()
    losses, windows = [], 0
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        indices = next(stream)
        batch = collate(features, indices, tokenizer.pad_token_id)
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        windows += len(indices)
        losses.append(loss.item())
        if step == 1 or step == args.steps or step % args.log_every == 0:
            elapsed = time.perf_counter() - started
            print(f"step {step}/{args.steps} loss {losses[-1]:.4f} lr {scheduler.get_last_lr()[0]:.3g} "
                  f"{windows / elapsed:.2f} windows/s ({elapsed:.0f} s)", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started

    if args.out:
        save(model, args.model, args.out)
        print(f"train_torch: saved {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps({"steps": args.steps, "windows": windows, "seconds": seconds,
                          "windows_per_second": windows / seconds if seconds > 0 else 0.0,
                          "final_loss": losses[-1] if losses else None,
                          "mean_loss_last_10": sum(losses[-10:]) / len(losses[-10:]) if losses else None,
                          "load_seconds": load_seconds, "features_seconds": features_seconds,
                          "threads": torch.get_num_threads(), "out": args.out}))


if __name__ == "__main__":
    main()
