import Foundation
import Testing

extension ServeCommandTests {
    /// Asks on the served page in headless Chromium (`Support/page_check.py`) and returns what the page shows.
    static func askOnPage(
        _ server: ServeProcess, question: String, context: String? = nil, token: String? = nil, screenshot: URL? = nil
    ) throws -> [String: Any] {
        let script = AskCorpus.root.appendingPathComponent("Tests/AskDocsCLITests/Support/page_check.py").path
        var arguments = [script, "http://127.0.0.1:\(server.port)/", "--question", question]
        if let context { arguments += ["--context", context] }
        if let token { arguments += ["--token", token] }
        if let screenshot { arguments += ["--screenshot", screenshot.path] }
        let result = try AskDocsProcess.runTool("/usr/bin/python3", arguments: arguments)
        #expect(result.status == 0, "\(result.standardError)")
        let data = Data(result.standardOutput.utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(result.standardOutput)")
    }

    /// `text[start..<end]` in Unicode scalars (Python `str` indices), as the API's offsets count.
    static func scalars(_ text: String, _ start: Int, _ end: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[max(0, start)..<min(scalars.count, end)])
        return String(view)
    }

    @Test("the page in a real browser shows what /v1/ask answers: text, document, the sentence with the answer marked")
    func pageAsksTheIndex() async throws {
        let ask = try AskCorpus()
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", ask.corpus.db])
        let shots = try CommandWorkspace()
        // English, Chinese and Arabic questions: the marks only land right if offsets are counted in scalars.
        for (language, question) in ask.questions where ["en", "zh", "ar"].contains(language) {
            let reply = try await server.post("/v1/ask", json: ["question": question])
            let expected = try #require(reply.json as? [String: Any], "\(reply.text)")
            let shown = try Self.askOnPage(
                server, question: question, screenshot: shots.root.appendingPathComponent("\(language).png"))
            #expect(shown["error"] is NSNull, "\(shown)")
            let answers = expected["answers"] as? [[String: Any]] ?? []
            let rendered = shown["answers"] as? [[String: Any]] ?? []
            if expected["answerable"] as? Bool != true || answers.isEmpty {
                #expect(shown["none"] as? String == "No answer in your documents.", "\(question): \(shown)")
                continue
            }
            #expect(rendered.count == answers.count, "\(question): \(shown)")
            for (answer, box) in zip(answers, rendered) {
                let sentence = try #require(answer["sentence"] as? [String: Any])
                let text = try #require(sentence["text"] as? String)
                let start = try #require(sentence["answer_start"] as? Int)
                let end = try #require(sentence["answer_end"] as? Int)
                let path = try #require((answer["document"] as? [String: Any])?["path"] as? String)
                #expect(box["text"] as? String == answer["text"] as? String)
                #expect(box["sentence"] as? String == text)
                #expect(box["mark"] as? String == Self.scalars(text, start, end), "\(question): \(box)")
                #expect((box["meta"] as? String)?.hasSuffix(path) == true, "\(box)")
            }
        }
        let png = try Data(contentsOf: shots.root.appendingPathComponent("en.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "a real screenshot")
        #expect(server.terminate() == 0)
    }

    @Test("the page reads pasted text, asks for the token on a 401 and marks the answers /v1/read gives")
    func pageReadsPastedText() async throws {
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader, "--token", "s3cret"])
        // Emoji are two UTF-16 units but one scalar: the marks land right only if the page counts scalars.
        let context = "😀 Clara Schmidt lebt seit 2019 in Basel 🇨🇭 und arbeitet im Labor am Rhein."
        let question = "Wo lebt Clara?"
        let shown = try Self.askOnPage(server, question: question, context: context, token: "s3cret")
        #expect(shown["token_requested"] as? Bool == true)
        #expect(shown["error"] is NSNull, "\(shown)")
        let reply = try await server.post(
            "/v1/read",
            json: ["question": question, "context": context, "handle_impossible_answer": true, "top_k": 3],
            headers: ["Authorization": "Bearer s3cret"])
        let results = try #require((reply.json as? [String: Any])?["results"] as? [[String: Any]], "\(reply.text)")
        let answers = (results.first?["answers"] as? [[String: Any]] ?? []).filter { $0["answer"] as? String != "" }
        let rendered = shown["answers"] as? [[String: Any]] ?? []
        #expect(rendered.count == answers.count && !answers.isEmpty, "\(shown)")
        for (answer, box) in zip(answers, rendered) {
            let start = try #require(answer["start"] as? Int)
            let end = try #require(answer["end"] as? Int)
            #expect(box["text"] as? String == answer["answer"] as? String)
            #expect(box["mark"] as? String == Self.scalars(context, start, end), "\(box)")
            #expect((box["meta"] as? String)?.hasSuffix("characters \(start)–\(end)") == true, "\(box)")
        }
        #expect(server.log.contains("POST /v1/read 401") && server.log.contains("POST /v1/read 200"))
        #expect(server.terminate() == 0)
    }
}
