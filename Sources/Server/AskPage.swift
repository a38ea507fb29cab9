/// The page at `GET /`: a question box over the index (or over pasted text), the answers with their probability,
/// their document and the sentence with the answer marked. One file: no build step, no external assets.
enum AskPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>AskDocs</title>
        <style>
          :root { color-scheme: light dark; --mark: #ffe27a; --muted: #6b7280; }
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
          h1 { font-size: 1.4rem; margin: 0 0 1rem; }
          form { display: grid; gap: .5rem; }
          input[type=text], textarea { font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; }
          textarea { min-height: 6rem; }
          button { font: inherit; padding: .4rem 1.2rem; justify-self: start; }
          details { color: var(--muted); }
          .answer { border-top: 1px solid #d1d5db; padding: .75rem 0; }
          .answer .text { font-size: 1.15rem; font-weight: 600; }
          .meta { color: var(--muted); font-size: .9rem; }
          mark { background: var(--mark); color: #000; padding: 0 .1em; }
          .none { font-size: 1.15rem; font-weight: 600; }
          .error { color: #b91c1c; }
        </style>
        </head>
        <body>
        <h1>AskDocs</h1>
        <form id="ask">
          <input id="question" type="text" name="question" placeholder="Ask a question about your documents" autofocus
            autocomplete="off" required>
          <details id="more">
            <summary>Read a text instead of searching the index</summary>
            <textarea id="context" placeholder="Paste the text to read"></textarea>
          </details>
          <input id="token" type="password" placeholder="Access token" hidden>
          <button type="submit">Ask</button>
        </form>
        <div id="status" class="meta" role="status"></div>
        <div id="results" aria-live="polite"></div>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const percent = (p) => (100 * p).toFixed(p >= 0.995 || p < 0.01 ? 1 : 0) + " %";

        function el(tag, className, text) {
          const node = document.createElement(tag);
          if (className) node.className = className;
          if (text !== undefined) node.textContent = text;
          return node;
        }

        // The sentence with [start, end) marked; offsets are Unicode scalars (Python str indices), so index code points.
        function marked(text, start, end) {
          const points = Array.from(text);
          const span = el("div", "sentence");
          span.append(points.slice(0, start).join(""), el("mark", "", points.slice(start, end).join("")),
            points.slice(end).join(""));
          return span;
        }

        function showAsk(response) {
          const results = $("results");
          if (!response.answerable || response.answers.length === 0) {
            results.append(el("p", "none", "No answer in your documents."));
            results.append(el("p", "meta", "Confidence that there is none: " + percent(response.no_answer.probability)));
            return;
          }
          for (const answer of response.answers) {
            const box = el("div", "answer");
            box.append(el("div", "text", answer.text));
            const where = answer.document.title ? answer.document.title + " — " + answer.document.path : answer.document.path;
            box.append(el("div", "meta", percent(answer.probability) + " · " + where));
            box.append(marked(answer.sentence.text, answer.sentence.answer_start, answer.sentence.answer_end));
            results.append(box);
          }
        }

        function showRead(response, context) {
          const results = $("results");
          const answers = response.results[0].answers.filter((a) => a.answer !== "");
          if (answers.length === 0) {
            results.append(el("p", "none", "No answer in this text."));
            return;
          }
          for (const answer of answers) {
            const box = el("div", "answer");
            box.append(el("div", "text", answer.answer));
            box.append(el("div", "meta", "score " + percent(answer.score) + " · characters " + answer.start + "–" + answer.end));
            const points = Array.from(context);
            const from = Math.max(0, answer.start - 80), to = Math.min(points.length, answer.end + 80);
            box.append(marked(points.slice(from, to).join(""), answer.start - from, answer.end - from));
            results.append(box);
          }
        }

        $("ask").addEventListener("submit", async (event) => {
          event.preventDefault();
          const question = $("question").value.trim();
          const context = $("context").value;
          if (!question) return;
          $("results").replaceChildren();
          $("status").textContent = "Reading…";
          const reading = $("more").open && context.trim() !== "";
          const headers = { "Content-Type": "application/json" };
          const token = $("token").value || sessionStorage.getItem("askdocs-token");
          if (token) headers["Authorization"] = "Bearer " + token;
          try {
            const reply = await fetch(reading ? "v1/read" : "v1/ask", {
              method: "POST", headers,
              body: JSON.stringify(reading ? { question, context, handle_impossible_answer: true, top_k: 3 } : { question }),
            });
            const body = await reply.json();
            if (reply.status === 401) {
              $("token").hidden = false;
              $("token").focus();
              throw new Error("This server needs an access token: enter it and ask again.");
            }
            if (!reply.ok) throw new Error(body.error || reply.statusText);
            if (token) sessionStorage.setItem("askdocs-token", token);
            $("status").textContent = "";
            if (reading) showRead(body, context); else showAsk(body);
          } catch (error) {
            $("status").textContent = "";
            $("results").append(el("p", "error", error.message));
          }
        });
        </script>
        </body>
        </html>
        """#
}
