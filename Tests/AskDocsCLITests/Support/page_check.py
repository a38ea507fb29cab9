#!/usr/bin/env python3
"""Asks a question on the page `askdocs serve` serves, in headless Chromium, as a user would, and prints what it shows.

Usage: page_check.py URL --question Q [--context TEXT] [--token T] [--screenshot FILE.png]

It types the question (and, with --context, opens "Read a text instead" and pastes the text), clicks Ask with real
mouse events, waits for the results, and prints one JSON object: the answers as rendered (text, meta line, the
marked part of the sentence and the sentence), the "no answer" line, an error line, and whether the page asked for a
token. With --token, a page that asks for one gets it typed in and the question is asked again.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: it reads NUL-terminated JSON
commands on fd 3 and writes replies and events on fd 4), so no port, no websocket library, nothing but the stdlib.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if binary is None:
            sys.exit("page_check: no chromium on PATH (scripts/setup --test installs it)")
        self.profile = tempfile.mkdtemp(prefix="askdocs-chromium-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire():
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--no-default-browser-check", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             "--window-size=1000,900", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise TimeoutError(f"{method}: no reply within {timeout} s")

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium said nothing")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium exited")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[index]
                    return event
            self.events.append(self.receive(deadline))
        raise TimeoutError(f"no {method} within {timeout} s")

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector):
        """A real click: mouse pressed and released at the element's centre, as a user's pointer does."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def type(self, selector, text):
        self.click(selector)
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


RENDERED = """(() => {
  const text = (node) => node ? node.textContent : null;
  return {
    answers: Array.from(document.querySelectorAll("#results .answer")).map((box) => ({
      text: text(box.querySelector(".text")),
      meta: text(box.querySelector(".meta")),
      mark: text(box.querySelector("mark")),
      sentence: text(box.querySelector(".sentence")),
    })),
    none: text(document.querySelector("#results p.none")),
    error: text(document.querySelector("#results p.error")),
    token_requested: !document.getElementById("token").hidden,
    status: document.getElementById("status").textContent,
  };
})()"""


def wait_for_results(browser, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = browser.evaluate(RENDERED)
        if shown["answers"] or shown["none"] or shown["error"]:
            return shown
        time.sleep(0.05)
    raise TimeoutError(f"the page showed no result within {timeout} s: {browser.evaluate(RENDERED)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--question", required=True)
    parser.add_argument("--context")
    parser.add_argument("--token")
    parser.add_argument("--screenshot")
    arguments = parser.parse_args()

    browser = Browser()
    try:
        browser.open(arguments.url)
        browser.type("#question", arguments.question)
        if arguments.context is not None:
            browser.click("#more summary")
            browser.type("#context", arguments.context)
        browser.click("button[type=submit]")
        shown = wait_for_results(browser)
        asked_for_token = shown["token_requested"]
        if asked_for_token and arguments.token is not None:
            browser.type("#token", arguments.token)
            browser.click("button[type=submit]")
            time.sleep(0.05)
            shown = wait_for_results(browser)
        shown["token_requested"] = asked_for_token
        if arguments.screenshot:
            browser.screenshot(arguments.screenshot)
        print(json.dumps(shown, ensure_ascii=False))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
