#!/usr/bin/env python3
"""The reference server for scripts/bench/serve.sh: the transformers 4.57.6 question-answering pipeline behind the
Hugging Face Inference API's question-answering route (POST /models/ID, {"inputs": {...}|[...], "parameters"}),
as a Python deployment without a serving framework runs it: a threading HTTP server, one pipeline, one request on
the model at a time (torch uses both cores for each), no batching across requests.

Usage: serve_reference.py MODEL_DIR PORT
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
from transformers import pipeline

model_dir, port = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(2)
reader = pipeline("question-answering", model=model_dir, tokenizer=model_dir, device="cpu")
model_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            inputs, parameters = body["inputs"], body.get("parameters") or {}
            pairs = inputs if isinstance(inputs, list) else [inputs]
            with model_lock, torch.inference_mode():
                answers = [reader(question=p["question"], context=p["context"], **parameters) for p in pairs]
            payload = json.dumps(answers if isinstance(inputs, list) else answers[0]).encode()
            self.send_response(200)
        except Exception as error:  # the benchmark counts non-2xx answers as errors
            payload = json.dumps({"error": str(error)}).encode()
            self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


print(f"listening on http://127.0.0.1:{port}", flush=True)
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
