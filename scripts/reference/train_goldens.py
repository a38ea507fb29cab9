#!/usr/bin/env python3
"""Record PyTorch goldens for the Swift fine-tuning engine (`Sources/Training`).

Writes into Tests/TrainingTests/Fixtures/:
  tiny-bert-qa/         a tiny random BertForQuestionAnswering (config.json + model.safetensors), seed 7, with its
                        LayerNorm parameters and biases perturbed so their gradients are not trivially structured.
  gradients.json.gz     for tiny-xlmr-qa (read from Tests/TransformerTests/Fixtures, never modified) and tiny-bert-qa:
                        one fixed padded batch of 4 sequences, the span loss, the per-sequence logits and the float32
                        gradient of EVERY parameter, plus each gradient's relative error against float64 (the error
                        model the Swift test derives its tolerance from) and the few gradients that are zero in
                        exact arithmetic (softmax shift invariance), whose float32 values are rounding noise only.
  loss_curve.json.gz    20 steps of Trainer-style AdamW (weight-decay groups, linear warmup/decay, gradient clipping)
                        on both models, plus a run of tiny-xlmr-qa with frozen word embeddings; each run also in
                        float64, as its error model.
  features.json.gz      training windows built from XQuAD with the REAL XLM-R fast tokenizer exactly as transformers'
                        examples/pytorch/question-answering/run_qa.py `prepare_train_features` builds them. Only
                        indices into ../shared/data/xquad are stored, never XQuAD text (third-party data).

The loss is the Swift engine's: each sequence's softmax runs over its own tokens only (the padded batch with padding
logits set to -inf), loss = mean over the batch of (CE(start) + CE(end)) / 2, which is transformers' QA loss on
unpadded data (asserted below). Everything runs in eval mode (no dropout) with deterministic CPU kernels, and the
gzip streams carry no timestamp, so reruns write byte-identical files.

    .venv/bin/python scripts/reference/train_goldens.py
"""

import base64
import copy
import gzip
import json
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import (
    AutoModelForQuestionAnswering,
    BertConfig,
    BertForQuestionAnswering,
    Trainer,
    XLMRobertaTokenizerFast,
    get_linear_schedule_with_warmup,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "Tests" / "TrainingTests" / "Fixtures"
MODEL_DIRS = {
    "tiny-xlmr-qa": ROOT / "Tests" / "TransformerTests" / "Fixtures" / "tiny-xlmr-qa",
    "tiny-bert-qa": OUT / "tiny-bert-qa",
}
VOCAB_SIZE = 2002
CLS_ID, PAD_ID, SEP_ID = 0, 1, 2  # <s>/[CLS], <pad>, </s> in both tiny vocabularies

GRADIENT_BATCH_SEED = 0
GRADIENT_BATCH_LENGTHS = [23, 31, 17, 40]
GRADIENT_BATCH_SPANS = [(5, 7), (0, 0), (3, 3), (20, 26)]  # (0, 0): unanswerable, points at the first token

CURVE_SEED = 1234
CURVE_STEPS = 20
CURVE_BATCH = 4
CURVE_LENGTHS = (12, 48)  # inclusive
UNANSWERABLE_FRACTION = 0.25
OPTIMIZER = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01,
             "warmup_steps": 2, "training_steps": CURVE_STEPS, "max_grad_norm": 1.0}

FEATURE_LANGS = ["en", "zh", "ar", "th", "de"]
FEATURE_ARTICLES = [36, 40]
FEATURE_PARAGRAPHS = 3
FEATURE_QUESTIONS = 12  # per article, in file order over its first FEATURE_PARAGRAPHS paragraphs
# (question article, paragraph, question index) paired with the first paragraph of a different article.
UNANSWERABLE_PAIRS = [((36, 0, 0), 40), ((40, 0, 0), 36), ((36, 1, 0), 0)]
FEATURE_SETTINGS = [(256, 96), (64, 16)]  # (max_length, stride); the small one overflows into many windows


# ---------------------------------------------------------------------------------------------------------------------
# Plumbing


def make_deterministic():
    """One thread and deterministic kernels: reductions then run in a fixed order, so reruns are bit-identical."""
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()


def f32_blob(tensor):
    """Many floats as base64 of little-endian float32: compact, exact, and cheap for gzip when mostly zeros."""
    array = np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype="<f4")
    return {"shape": list(array.shape), "f32": base64.b64encode(array.tobytes()).decode("ascii")}


def write_gz(path, obj):
    """Gzipped compact JSON with mtime 0 and no file name in the header, so reruns are byte-identical."""
    data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(data)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


def load_model(name, dtype=torch.float32):
    """A fixture model as the Swift engine sees it: saved weights, eval mode (no dropout), eager attention."""
    model = AutoModelForQuestionAnswering.from_pretrained(MODEL_DIRS[name], attn_implementation="eager")
    return model.to(dtype).eval()


# ---------------------------------------------------------------------------------------------------------------------
# The tiny BERT fixture


def build_tiny_bert(out_dir):
    """Random BertForQuestionAnswering, initialised as transformers does, then LayerNorm and biases perturbed.

    transformers initialises LayerNorm to (1, 0) and biases to 0, which would make their gradients special (e.g.
    identical across layers); a little noise gives every parameter a generic gradient.
    """
    config = BertConfig(
        vocab_size=VOCAB_SIZE, hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=128, type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=PAD_ID,
    )
    torch.manual_seed(7)
    model = BertForQuestionAnswering(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith("bias"):
                p.add_(0.02 * torch.randn(p.shape))
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    return config


# ---------------------------------------------------------------------------------------------------------------------
# Batches and the loss


def make_sequence(rng, length):
    """Random ids shaped like a QA window: <s> question </s> context </s> (one separator, mid-sequence)."""
    ids = rng.integers(3, VOCAB_SIZE, size=length)
    ids[0], ids[length // 2], ids[-1] = CLS_ID, SEP_ID, SEP_ID
    return [int(i) for i in ids]


def pad_batch(sequences):
    """Right-padded ids (pad id 1, so XLM-R derives its positions from the real tokens) and the attention mask."""
    width = max(len(s) for s in sequences)
    input_ids = torch.full((len(sequences), width), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, s in enumerate(sequences):
        input_ids[row, : len(s)] = torch.tensor(s)
        mask[row, : len(s)] = 1
    return input_ids, mask


def qa_loss(model, sequences, starts, ends):
    """The Swift engine's loss: per-sequence softmax over its own tokens, mean of (CE(start) + CE(end)) / 2.

    Returns the loss and the unpadded start/end logits of each sequence.
    """
    input_ids, mask = pad_batch(sequences)
    out = model(input_ids=input_ids, attention_mask=mask, token_type_ids=torch.zeros_like(input_ids))
    # masked_fill, not an additive mask: padding logits become exactly -inf and get exactly zero gradient.
    padding = mask == 0
    start_logits = out.start_logits.masked_fill(padding, float("-inf"))
    end_logits = out.end_logits.masked_fill(padding, float("-inf"))
    ce = torch.nn.functional.cross_entropy
    per_sequence = (ce(start_logits, torch.tensor(starts), reduction="none")
                    + ce(end_logits, torch.tensor(ends), reduction="none")) / 2
    lengths = [len(s) for s in sequences]
    return (per_sequence.mean(),
            [start_logits[i, :n].detach() for i, n in enumerate(lengths)],
            [end_logits[i, :n].detach() for i, n in enumerate(lengths)])


def unpadded_loss(model, sequences, starts, ends):
    """transformers' own QA loss, one unpadded sequence at a time, averaged: what qa_loss must equal."""
    losses = []
    for s, start, end in zip(sequences, starts, ends):
        ids = torch.tensor([s])
        out = model(input_ids=ids, token_type_ids=torch.zeros_like(ids),
                    start_positions=torch.tensor([start]), end_positions=torch.tensor([end]))
        losses.append(out.loss)
    return torch.stack(losses).mean()


def gradients(model, sequences, starts, ends):
    """Loss, logits and {name: gradient} of every parameter for one batch."""
    model.zero_grad(set_to_none=True)
    loss, start_logits, end_logits = qa_loss(model, sequences, starts, ends)
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    return loss, start_logits, end_logits, grads


def global_norm(grads):
    """L2 norm over all gradients, accumulated in float64."""
    return float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values())))


# ---------------------------------------------------------------------------------------------------------------------
# gradients.json.gz


def gradient_batch():
    rng = np.random.default_rng(GRADIENT_BATCH_SEED)
    sequences = [make_sequence(rng, n) for n in GRADIENT_BATCH_LENGTHS]
    return sequences, [s for s, _ in GRADIENT_BATCH_SPANS], [e for _, e in GRADIENT_BATCH_SPANS]


def relative_errors(grads32, grads64):
    """Per parameter ||g32 - g64|| / ||g64||: how far float32 arithmetic alone moves each gradient."""
    errors = {}
    for name, g32 in grads32.items():
        g64 = grads64[name]
        reference = float(g64.norm())
        difference = float((g32.double() - g64).norm())
        errors[name] = difference / reference if reference > 0 else (0.0 if difference == 0 else float("inf"))
    return errors


def structurally_zero(grads64):
    """Parameters whose gradient is exactly zero in exact arithmetic, so float32 and float64 hold only noise.

    A softmax is blind to a constant shift: the QA bias shifts all of a sequence's logits, a key bias shifts all of a
    query's scores, and the last LayerNorm's bias shifts the logits through the QA head. Their relative error is
    noise over noise (~1e8) and says nothing about accuracy; the Swift test compares them against the global norm.
    """
    total = global_norm(grads64)
    return [n for n, g in grads64.items() if float(g.norm()) <= 1e-9 * total]


def model_gradients(name):
    sequences, starts, ends = gradient_batch()
    model = load_model(name)
    loss, start_logits, end_logits, grads = gradients(model, sequences, starts, ends)

    # The masked padded batch must be transformers' loss on unpadded data.
    with torch.no_grad():
        reference = unpadded_loss(model, sequences, starts, ends)
    assert abs(loss.item() - float(reference)) < 1e-6, (name, loss.item(), float(reference))

    # Padding must not leak into the gradients either: they match the sum of single-sequence gradients.
    single = {n: torch.zeros_like(g) for n, g in grads.items()}
    for s, start, end in zip(sequences, starts, ends):
        _, _, _, g = gradients(model, [s], [start], [end])
        for n in single:
            single[n] += g[n] / len(sequences)
    # (Compared globally: a few gradients are mathematically zero and only rounding noise, see structurally_zero.)
    leak = global_norm({n: single[n] - grads[n] for n in grads}) / global_norm(grads)
    assert leak < 1e-5, (name, leak)

    model64 = copy.deepcopy(model).double()
    _, _, _, grads64 = gradients(model64, sequences, starts, ends)
    errors = relative_errors(grads, grads64)
    zero = structurally_zero(grads64)
    worst = max((n for n in errors if n not in zero), key=errors.get)
    print(f"{name}: loss {loss.item():.6f}, gradient norm {global_norm(grads):.6f}, "
          f"worst f32-vs-f64 relative gradient error {errors[worst]:.3e} ({worst}); "
          f"mathematically zero (rounding noise only): {', '.join(zero)}")

    return {
        "input_ids": sequences,
        "start_positions": starts,
        "end_positions": ends,
        "loss": loss.item(),
        "start_logits": [[float(x) for x in t] for t in start_logits],
        "end_logits": [[float(x) for x in t] for t in end_logits],
        "gradient_norm": global_norm(grads),
        "gradients": {n: f32_blob(g) for n, g in grads.items()},
        "gradients_f64_norm_error": errors,
        "gradients_f64_norm": {n: float(g.norm()) for n, g in grads64.items()},
        "structurally_zero_gradients": zero,
    }


# ---------------------------------------------------------------------------------------------------------------------
# loss_curve.json.gz


def curve_batches():
    """20 batches of 4 random windows; per sequence: length, ids, then answerable?, then the sorted span."""
    rng = np.random.default_rng(CURVE_SEED)
    batches = []
    for _ in range(CURVE_STEPS):
        sequences, starts, ends = [], [], []
        for _ in range(CURVE_BATCH):
            length = int(rng.integers(CURVE_LENGTHS[0], CURVE_LENGTHS[1] + 1))
            sequences.append(make_sequence(rng, length))
            if rng.random() < UNANSWERABLE_FRACTION:
                start, end = 0, 0
            else:
                # Inside the sequence, past <s> and before the final </s>.
                start, end = sorted(int(i) for i in rng.integers(1, length - 1, size=2))
            starts.append(start)
            ends.append(end)
        batches.append((sequences, starts, ends))
    return batches


def trainer_optimizer(model):
    """AdamW with the two parameter groups Hugging Face Trainer.create_optimizer builds (frozen parameters left out)."""
    decay = set(Trainer.get_decay_parameter_names(None, model))  # Trainer's own rule; it does not use `self`
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in named if n in decay], "weight_decay": OPTIMIZER["weight_decay"]},
        {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0},
    ]
    # foreach=False: the plain per-tensor loop (also torch's default on CPU), the simplest reference to match.
    optimizer = torch.optim.AdamW(groups, lr=OPTIMIZER["lr"], betas=tuple(OPTIMIZER["betas"]), eps=OPTIMIZER["eps"],
                                  foreach=False)
    return optimizer, sorted(n for n, _ in named if n not in decay)


def train(name, batches, freeze_word_embeddings, dtype):
    """20 Trainer-style steps; per step (loss, grad_norm, lr), the final QA head and the no-decay parameter names."""
    model = load_model(name, dtype)
    if freeze_word_embeddings:
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer, no_decay = trainer_optimizer(model)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=OPTIMIZER["warmup_steps"],
                                                num_training_steps=OPTIMIZER["training_steps"])
    history = []
    for sequences, starts, ends in batches:
        model.zero_grad(set_to_none=True)
        loss, _, _ = qa_loss(model, sequences, starts, ends)
        loss.backward()
        # Frozen parameters have no .grad, so clip_grad_norm_ leaves them out of the norm, as in the Trainer.
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), OPTIMIZER["max_grad_norm"])
        lr = optimizer.param_groups[0]["lr"]  # the lr this step's update uses (0 for the first, as in the Trainer)
        optimizer.step()
        scheduler.step()
        history.append((loss.item(), float(grad_norm), lr))
    state = dict(model.named_parameters())
    return history, {n: state[n].detach() for n in ["qa_outputs.weight", "qa_outputs.bias"]}, no_decay


def train_run(name, batches, freeze_word_embeddings):
    """One loss-curve run in float32, with the same run in float64 beside it as its error model.

    The float64 run matters most for qa_outputs.bias: its true gradient is zero (see structurally_zero), so in
    float32 Adam turns rounding noise into steps of up to ~lr and the bias drifts (~1e-4 to 1e-3), while in float64
    it stays at its initial value. Compare it with a tolerance of that size, not the float32 value's digits.
    """
    history, final, no_decay = train(name, batches, freeze_word_embeddings, torch.float32)
    history64, final64, _ = train(name, batches, freeze_word_embeddings, torch.float64)
    steps = [{"input_ids": sequences, "start_positions": starts, "end_positions": ends,
              "loss": loss, "grad_norm": grad_norm, "lr": lr, "loss_f64": loss64, "grad_norm_f64": grad_norm64}
             for (sequences, starts, ends), (loss, grad_norm, lr), (loss64, grad_norm64, _)
             in zip(batches, history, history64)]
    drift = {n: float((final[n].double() - final64[n]).abs().max()) for n in final}
    print(f"{name} (frozen word embeddings: {freeze_word_embeddings}): loss "
          + " ".join(f"{s['loss']:.4f}" for s in steps)
          + f"\n    max |f32 - f64| after {len(steps)} steps: loss "
          + f"{max(abs(s['loss'] - s['loss_f64']) for s in steps):.2e}, "
          + ", ".join(f"{n} {d:.2e}" for n, d in drift.items()))
    return {
        "model": name,
        "frozen_word_embeddings": freeze_word_embeddings,
        "no_weight_decay_parameters": no_decay,
        "steps": steps,
        "final": {n: f32_blob(t) for n, t in final.items()},
        "final_f64": {n: [float(x) for x in t.flatten()] for n, t in final64.items()},
    }


# ---------------------------------------------------------------------------------------------------------------------
# features.json.gz


def load_xquad(lang):
    with open(SHARED / "data" / "xquad" / f"xquad.{lang}.json", encoding="utf-8") as f:
        return json.load(f)["data"]


def feature_examples(articles):
    """(question (article, paragraph, index), context (article, paragraph), answerable) in a fixed order."""
    examples = []
    for a in FEATURE_ARTICLES:
        picked = [(a, p, q) for p in range(FEATURE_PARAGRAPHS) for q in range(len(articles[a]["paragraphs"][p]["qas"]))]
        examples += [(key, key[:2], True) for key in picked[:FEATURE_QUESTIONS]]
    examples += [(key, (other, 0), False) for key, other in UNANSWERABLE_PAIRS]
    return examples


def prepare_train_features(tokenizer, question, context, answer, max_length, stride):
    """run_qa.py's prepare_train_features for one example (pad_on_right, padding=False)."""
    tokenized = tokenizer(
        question.lstrip(), context, truncation="only_second", max_length=max_length, stride=stride,
        return_overflowing_tokens=True, return_offsets_mapping=True, padding=False,
    )
    features = []
    for i, offsets in enumerate(tokenized["offset_mapping"]):
        input_ids = tokenized["input_ids"][i]
        cls_index = input_ids.index(tokenizer.cls_token_id)
        sequence_ids = tokenized.sequence_ids(i)
        if answer is None:
            start, end = cls_index, cls_index
        else:
            start_char = answer["answer_start"]
            end_char = start_char + len(answer["text"])
            token_start_index = 0
            while sequence_ids[token_start_index] != 1:
                token_start_index += 1
            token_end_index = len(input_ids) - 1
            while sequence_ids[token_end_index] != 1:
                token_end_index -= 1
            if not (offsets[token_start_index][0] <= start_char and offsets[token_end_index][1] >= end_char):
                start, end = cls_index, cls_index
            else:
                while token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char:
                    token_start_index += 1
                start = token_start_index - 1
                while offsets[token_end_index][1] >= end_char:
                    token_end_index -= 1
                end = token_end_index + 1
        features.append({"input_ids": list(input_ids), "start_position": start, "end_position": end})
    return features


def features_golden():
    tokenizer_file = SHARED / "models" / "xlmr-tokenizer" / "tokenizer.json"
    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_file))
    assert tokenizer.cls_token_id == 0
    examples = []
    for lang in FEATURE_LANGS:
        articles = load_xquad(lang)
        for (qa_article, qa_paragraph, qa_index), (ctx_article, ctx_paragraph), answerable in feature_examples(articles):
            qa = articles[qa_article]["paragraphs"][qa_paragraph]["qas"][qa_index]
            context = articles[ctx_article]["paragraphs"][ctx_paragraph]["context"]
            answer = qa["answers"][0] if answerable else None
            if answer is not None:  # the answer must be where answer_start (Python str index) says
                assert context[answer["answer_start"]:][: len(answer["text"])] == answer["text"], (lang, qa["id"])
            for max_length, stride in FEATURE_SETTINGS:
                examples.append({
                    "lang": lang, "article": qa_article, "paragraph": qa_paragraph, "question": qa_index,
                    "context_from": None if answerable else {"article": ctx_article, "paragraph": ctx_paragraph},
                    "max_length": max_length, "stride": stride,
                    "features": prepare_train_features(tokenizer, qa["question"], context, answer, max_length, stride),
                })
    windows = sum(len(e["features"]) for e in examples)
    answered = sum(f["start_position"] != 0 for e in examples for f in e["features"])
    print(f"features: {len(examples)} examples, {windows} windows ({answered} holding their answer)")
    return {"tokenizer": "../shared/models/xlmr-tokenizer/tokenizer.json", "examples": examples}


# ---------------------------------------------------------------------------------------------------------------------


def main():
    make_deterministic()
    OUT.mkdir(parents=True, exist_ok=True)
    bert_config = build_tiny_bert(MODEL_DIRS["tiny-bert-qa"])
    print(f"wrote {MODEL_DIRS['tiny-bert-qa'].relative_to(ROOT)} ({bert_config.model_type}, "
          f"hidden {bert_config.hidden_size}, {bert_config.num_hidden_layers} layers)")

    write_gz(OUT / "gradients.json.gz", {
        "transformers_version": transformers.__version__,
        "models": {name: model_gradients(name) for name in MODEL_DIRS},
    })

    batches = curve_batches()
    write_gz(OUT / "loss_curve.json.gz", {
        "optimizer": OPTIMIZER,
        "runs": [train_run("tiny-xlmr-qa", batches, False),
                 train_run("tiny-xlmr-qa", batches, True),
                 train_run("tiny-bert-qa", batches, False)],
    })

    write_gz(OUT / "features.json.gz", features_golden())


if __name__ == "__main__":
    main()
