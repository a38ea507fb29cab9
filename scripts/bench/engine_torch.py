#!/usr/bin/env python3
"""PyTorch side of scripts/bench/engine.sh: times XLMRobertaForQuestionAnswering (fp32, inference_mode)
on the same synthetic windows the Swift benchmark uses and prints one JSON line per batch size."""
import argparse
import json
import time

import torch
from transformers import AutoConfig, XLMRobertaForQuestionAnswering


def synthetic_batch(count, length, vocabulary):
    """Same ids as TransformerBench's syntheticBatch (64-bit LCG), framed <s> … </s>."""
    state = 42
    batch = []
    for _ in range(count):
        row = []
        for position in range(length):
            if position == 0:
                row.append(0)
            elif position == length - 1:
                row.append(2)
            else:
                state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
                row.append(5 + (state >> 33) % (vocabulary - 5))
        batch.append(row)
    return batch


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model_dir")
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--length", type=int, default=384)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    config = AutoConfig.from_pretrained(args.model_dir)
    model = XLMRobertaForQuestionAnswering.from_pretrained(args.model_dir, attn_implementation="sdpa").eval()
    for batch in args.batch:
        ids = torch.tensor(synthetic_batch(batch, args.length, config.vocab_size))
        mask = torch.ones_like(ids)
        with torch.inference_mode():
            model(input_ids=ids, attention_mask=mask)
            times = []
            cpu_start = time.process_time()
            for _ in range(args.iterations):
                start = time.perf_counter()
                model(input_ids=ids, attention_mask=mask)
                times.append(time.perf_counter() - start)
        cpu = (time.process_time() - cpu_start) / args.iterations
        mean = sum(times) / len(times)
        print(json.dumps({"engine": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                          "batch": batch, "length": args.length, "mean_s": mean, "best_s": min(times), "cpu_s": cpu,
                          "sequences_per_s": batch / mean}), flush=True)


if __name__ == "__main__":
    main()
