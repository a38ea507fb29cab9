import Foundation
import Testing

extension ServeCommandTests {
    /// An ask response without its timings (which differ run to run).
    static func withoutTimings(_ json: Any?) -> NSDictionary? {
        guard var object = json as? [String: Any] else { return nil }
        object.removeValue(forKey: "timings")
        return object as NSDictionary
    }

    @Test("/v1/ask answers as askdocs ask --json does, and picks up a newly published generation without a restart")
    func askOverTheIndex() async throws {
        let ask = try AskCorpus()
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", ask.corpus.db])
        for (_, question) in ask.questions.prefix(4) {
            let reply = try await server.post("/v1/ask", json: ["question": question, "passages": 3, "answers": 2])
            #expect(reply.status == 200, "\(reply.text)")
            let reference = try ask.askJSON(question, ["--passages", "3", "--answers", "2"])
            #expect(Self.withoutTimings(reply.json) == Self.withoutTimings(reference), "\(question): \(reply.text)")
        }
        let bm25 = try await server.post(
            "/v1/ask", json: ["question": "Where is the zebrafish laboratory?", "mode": "bm25", "passages": 5])
        let before = try #require(bm25.json as? [String: Any])
        let passages = try #require(before["passages"] as? [[String: Any]])
        #expect(!passages.contains { ($0["text"] as? String)?.contains("zebrafish") == true })

        // A new file indexed while the server runs: the next question sees the new generation and its document.
        try ask.corpus.workspace.write("docs/zebrafish.txt", "The zebrafish laboratory is in Uppsala, near the castle.")
        let indexed = try AskDocsProcess.run([
            "index", ask.corpus.docs, "--db", ask.corpus.db, "--retriever", ask.corpus.model.path,
        ])
        #expect(indexed.status == 0, "\(indexed.standardError)")
        let after = try #require(
            try await server.post(
                "/v1/ask", json: ["question": "Where is the zebrafish laboratory?", "mode": "bm25", "passages": 5]
            ).json as? [String: Any])
        #expect((after["generation"] as? Int ?? 0) > (before["generation"] as? Int ?? 0), "\(after)")
        let found = try #require(after["passages"] as? [[String: Any]])
        #expect(found.contains { ($0["text"] as? String)?.contains("zebrafish") == true }, "\(found)")
        let filtered = try await server.post(
            "/v1/ask",
            json: [
                "question": "Where is the zebrafish laboratory?", "mode": "bm25",
                "filters": ["path_prefix": ask.corpus.docs + "/xquad/"],
            ])
        let filteredPassages = try #require((filtered.json as? [String: Any])?["passages"] as? [[String: Any]])
        #expect(
            filteredPassages.allSatisfy {
                (($0["document"] as? [String: Any])?["path"] as? String)?.contains("/xquad/") == true
            })
        let bad = try await server.post("/v1/ask", json: ["question": "Where?", "passages": 0])
        #expect(bad.status == 400 && bad.error == "passages must be between 1 and 100 (got 0)")
        #expect(server.terminate() == 0)
    }

    /// The Python interpreter of the huggingface_hub venv (`scripts/hub-venv`).
    static func hubPython() throws -> String {
        let result = try AskDocsProcess.runTool(
            AskCorpus.root.appendingPathComponent("scripts/hub-venv").path, arguments: [])
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("huggingface_hub's InferenceClient, pointed at the server, gets the answers askdocs read gives")
    func inferenceClient() async throws {
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader])
        let python = try Self.hubPython()
        let script = """
            import json, sys
            from huggingface_hub import InferenceClient
            client = InferenceClient(base_url=sys.argv[1] + "/models/tiny-xlmr-qa")
            pairs = json.loads(sys.argv[2])
            out = []
            for question, context in pairs:
                one = client.question_answering(question=question, context=context)
                top = client.question_answering(question=question, context=context, top_k=3, handle_impossible_answer=True)
                out.append({"one": one.__dict__, "top": [t.__dict__ for t in top]})
            print(json.dumps(out))
            """
        let pairs = String(
            decoding: try JSONSerialization.data(withJSONObject: Self.pairs.map { [$0.question, $0.context] }),
            as: UTF8.self)
        let result = try AskDocsProcess.runTool(python, arguments: ["-c", script, server.base, pairs])
        #expect(result.status == 0, "\(result.standardError)")
        let outputs = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(outputs.count == Self.pairs.count)
        for (output, pair) in zip(outputs, Self.pairs) {
            #expect(Self.same(output["one"] as Any, try Self.read(pair.question, pair.context)), "\(output)")
            let top = try Self.read(pair.question, pair.context, ["--top-k", "3", "--handle-impossible-answer"])
            #expect(Self.same(output["top"] as Any, top), "\(output)")
        }
        #expect(server.terminate() == 0)
    }
}
