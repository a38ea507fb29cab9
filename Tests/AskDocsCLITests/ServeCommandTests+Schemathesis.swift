import Foundation
import Testing

extension ServeCommandTests {
    @Test("schemathesis: every operation of /openapi.json, every check, valid and invalid bodies — no failure")
    func schemathesis() async throws {
        let ask = try AskCorpus()
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", ask.corpus.db, "--token", "s3cret"])
        let venv = try AskDocsProcess.runTool(
            AskCorpus.root.appendingPathComponent("scripts/schemathesis-venv").path, arguments: [])
        #expect(venv.status == 0, "\(venv.standardError)")
        let python = venv.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let schemathesis = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent(
            "schemathesis")
        let config = AskCorpus.root.appendingPathComponent("Tests/AskDocsCLITests/Support/schemathesis.toml")
        // Deterministic generation: the same cases every run, so a failure here reproduces with the same command.
        let run = try AskDocsProcess.runTool(
            schemathesis.path,
            arguments: [
                "--config-file", config.path, "run", "http://127.0.0.1:\(server.port)/openapi.json", "--checks", "all",
                "--max-examples", "50", "--generation-deterministic", "--no-color",
                "--header",
                "Authorization: Bearer s3cret",
            ], directory: ask.corpus.workspace.root)
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.standardOutput.contains("Tested: 10"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains("No issues found"), "\(run.standardOutput)")
        // The fuzzer got past validation to the model and the index, not only to 400s.
        for route in ["/v1/ask", "/v1/read", "/models/tiny-xlmr-qa", "/invocations", "/score"] {
            #expect(server.log.contains("POST \(route) 200"), "\(route) never answered 200")
        }
        #expect(!server.log.contains(" 500 "), "\(server.log)")
        #expect(server.terminate() == 0)
    }
}
