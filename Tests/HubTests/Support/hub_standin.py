#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub, for tests (standard library only).

Serves model folders as Hub repos on 127.0.0.1 with the endpoints and headers the Hub serves:

  GET  /api/models/{repo}/revision/{rev}[?blobs=true]   repo info: sha, siblings (size, blobId, lfs.sha256)
  HEAD/GET /{repo}/resolve/{rev}/{file}                 small files: 200, ETag = git blob id, X-Repo-Commit
                                                        LFS files: 302 to /cdn/{sha256}, X-Linked-Etag, X-Linked-Size
  HEAD/GET /cdn/{sha256}                                the LFS content, with Range requests (206)

Usage: hub_standin.py --repo OWNER/NAME=FOLDER [--repo ...] [--token T] [--drop-after N] [--corrupt FILE]
                      [--chunk-delay SECONDS] [--log FILE]
Binds port 0 and prints the chosen port on the first line of stdout.
"""

import argparse
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".onnx", ".pt", ".h5", ".msgpack")


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class RepoFile:
    def __init__(self, path, data, corrupt):
        self.path = path
        self.data = data
        self.lfs = path.endswith(LFS_SUFFIXES)
        self.sha256 = hashlib.sha256(data).hexdigest()
        if self.lfs:
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {len(data)}\n"
            self.pointer_size = len(pointer.encode())
            self.blob_id = git_blob_id(pointer.encode())
        else:
            self.blob_id = git_blob_id(data)
        # What is sent: the real bytes, or (fault mode) the same bytes with one flipped in the middle.
        self.served = data
        if corrupt:
            middle = len(data) // 2
            self.served = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


class Repo:
    def __init__(self, repo_id, folder, corrupt):
        self.repo_id = repo_id
        self.files = {}
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                full = os.path.join(root, name)
                rel = os.path.relpath(full, folder).replace(os.sep, "/")
                with open(full, "rb") as handle:
                    self.files[rel] = RepoFile(rel, handle.read(), rel in corrupt)
        listing = "".join(f"{p} {f.blob_id}\n" for p, f in sorted(self.files.items()))
        self.commit = hashlib.sha1((repo_id + "\n" + listing).encode()).hexdigest()

    def knows(self, revision):
        return revision in ("main", self.commit)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubStandIn/1"

    def log_message(self, format, *args):
        pass

    def record(self):
        if self.server.options.log:
            with self.server.log_lock, open(self.server.options.log, "a") as log:
                log.write(f"{self.command} {self.path} {self.headers.get('Range', '-')}\n")

    def do_HEAD(self):
        self.handle_request(body=False)

    def do_GET(self):
        self.handle_request(body=True)

    def error(self, status, code, message):
        payload = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def authorized(self):
        token = self.server.options.token
        if token is None:
            return True
        given = self.headers.get("Authorization")
        if given is None:
            self.error(401, "GatedRepo", "Access to this model is restricted. You must be authenticated to access it.")
            return False
        if given != f"Bearer {token}":
            self.error(403, "GatedRepo", "Access to this model is restricted and you are not in the authorized list.")
            return False
        return True

    def find_repo(self, owner, name):
        repo = self.server.repos.get(f"{owner}/{name}")
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found")
        return repo

    def handle_request(self, body):
        self.record()
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        query = urllib.parse.parse_qs(url.query)
        if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[4] == "revision":
            if not self.authorized():
                return
            repo = self.find_repo(parts[2], parts[3])
            if repo is not None:
                self.repo_info(repo, "/".join(parts[5:]), query.get("blobs") == ["true"], body)
        elif len(parts) >= 5 and parts[2] == "resolve":
            if not self.authorized():
                return
            repo = self.find_repo(parts[0], parts[1])
            if repo is not None:
                self.resolve(repo, parts[3], "/".join(parts[4:]), body)
        elif len(parts) == 2 and parts[0] == "cdn" and parts[1] in self.server.blobs:
            self.send_content(self.server.blobs[parts[1]], body, etag=parts[1])
        else:
            self.error(404, "EntryNotFound", "Not found")

    def repo_info(self, repo, revision, blobs, body):
        if not repo.knows(revision):
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        siblings = []
        for path, item in sorted(repo.files.items()):
            sibling = {"rfilename": path}
            if blobs:
                sibling["size"] = len(item.data)
                sibling["blobId"] = item.blob_id
                if item.lfs:
                    size = self.server.options.claim_size or len(item.data)
                    sibling["size"] = size
                    sibling["lfs"] = {"sha256": item.sha256, "size": size, "pointerSize": item.pointer_size}
            siblings.append(sibling)
        info = {
            "_id": repo.commit[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "sha": repo.commit,
            "private": False,
            "gated": False,
            "disabled": False,
            "tags": [],
            "siblings": siblings,
        }
        payload = json.dumps(info).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def resolve(self, repo, revision, path, body):
        if not repo.knows(revision):
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        item = repo.files.get(path)
        if item is None:
            self.error(404, "EntryNotFound", f"{path} does not exist on \"{revision}\"")
            return
        if item.lfs:
            host = self.headers.get("Host", f"127.0.0.1:{self.server.server_address[1]}")
            self.send_response(302)
            self.send_header("Location", f"http://{host}/cdn/{item.sha256}")
            self.send_header("ETag", f'"{item.blob_id}"')
            self.send_header("X-Linked-Etag", f'"{item.sha256}"')
            self.send_header("X-Linked-Size", str(self.server.options.claim_size or len(item.data)))
            self.send_header("X-Repo-Commit", repo.commit)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_content(item, body, etag=item.blob_id, commit=repo.commit)

    def send_content(self, item, body, etag, commit=None):
        data = item.served
        start, end, status = 0, len(data) - 1, 200
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            first, _, last = wanted[len("bytes=") :].partition("-")
            start = int(first) if first else 0
            end = min(int(last), len(data) - 1) if last else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{etag}"')
        if commit:
            self.send_header("X-Repo-Commit", commit)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        if not body:
            return
        limit = end + 1
        drop = self.server.options.drop_after
        if drop is not None and start == 0 and end + 1 > drop:
            with self.server.log_lock:
                first_time = item.path not in self.server.dropped
                self.server.dropped.add(item.path)
            if first_time:
                limit = drop
        offset = start
        while offset < limit:
            chunk = data[offset : min(offset + 16384, limit)]
            self.wfile.write(chunk)
            offset += len(chunk)
            if self.server.options.chunk_delay:
                self.wfile.flush()
                time.sleep(self.server.options.chunk_delay)
        if limit < end + 1:
            # Fault mode: the connection drops mid-file.
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", default=[], help="OWNER/NAME=FOLDER")
    parser.add_argument("--token", help="require this bearer token (401 without one, 403 with another)")
    parser.add_argument("--drop-after", type=int, help="drop the connection after N bytes, once per file")
    parser.add_argument("--corrupt", action="append", default=[], help="serve this file with one byte flipped")
    parser.add_argument("--chunk-delay", type=float, default=0, help="seconds to sleep after each 16 KiB")
    parser.add_argument("--log", help="append one line per request to this file")
    parser.add_argument("--claim-size", type=int, help="report this size for every LFS file (repo info, X-Linked-Size)")
    options = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.options = options
    server.log_lock = threading.Lock()
    server.dropped = set()
    server.repos = {}
    server.blobs = {}
    for spec in options.repo:
        repo_id, _, folder = spec.partition("=")
        repo = Repo(repo_id, folder, set(options.corrupt))
        server.repos[repo_id] = repo
        for item in repo.files.values():
            if item.lfs:
                server.blobs[item.sha256] = item
    print(server.server_address[1], flush=True)
    # The test that started us holds our stdin open; when it closes (stopped, or the test process died), exit,
    # so that no stand-in outlives its test.
    def exit_on_stdin_eof():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=exit_on_stdin_eof, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
