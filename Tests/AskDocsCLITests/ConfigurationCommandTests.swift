import Foundation
import Testing

@Suite("askdocs.toml through the executable")
struct ConfigurationCommandTests {
    /// A folder holding askdocs.toml that names a database beside it, the tiny retriever and ask defaults.
    static func configured(_ extra: String = "") throws -> (IndexedCorpus, URL) {
        let corpus = try IndexedCorpus()
        let folder = corpus.workspace.root.appendingPathComponent("project")
        try corpus.workspace.write(
            "project/askdocs.toml",
            """
            database = "data/docs.sqlite"
            retriever = "\(corpus.model.path)"
            reader = "\(AskCorpus.reader)"

            [ask]
            passages = 2
            answers = 2
            """ + extra)
        return (corpus, folder)
    }

    @Test("index, search and ask take the database, the models and the ask defaults from ./askdocs.toml")
    func fileInWorkingDirectory() throws {
        let (corpus, folder) = try Self.configured()
        let index = try AskDocsProcess.run(["index", corpus.docs, "--json"], directory: folder)
        #expect(index.status == 0, "\(index.standardError)")
        #expect(try IndexJSON(index.standardOutput).int("vectors_added") == 9, "the configured retriever embedded")
        let db = folder.appendingPathComponent("data/docs.sqlite").path
        #expect(FileManager.default.fileExists(atPath: db), "the database is relative to the file's folder")

        let search = try AskDocsProcess.run(["search", "Rhein", "--json", "--k", "3"], directory: folder)
        #expect(search.status == 0, "\(search.standardError)")
        let direct = try AskDocsProcess.run(["search", "Rhein", "--json", "--k", "3", "--db", db])
        #expect(search.standardOutput == direct.standardOutput)

        // File over built-in defaults (2 passages, not 10), flag over file (3).
        let asked = try Self.askJSON(["ask", "Wie lang ist der Rhein?", "--json"], folder)
        #expect((asked["passages"] as? [Any])?.count == 2)
        let flagged = try Self.askJSON(["ask", "Wie lang ist der Rhein?", "--json", "--passages", "3"], folder)
        #expect((flagged["passages"] as? [Any])?.count == 3)
        let many = try Self.askJSON(
            ["ask", "Wie lang ist der Rhein?", "--json", "--no-answer-boost=-100", "--passages", "5"], folder)
        #expect((many["answers"] as? [Any])?.count == 2, "ask.answers = 2")
    }

    @Test("--config names another file, replacing ./askdocs.toml; a missing one is an error")
    func explicitFile() throws {
        let (corpus, folder) = try Self.configured()
        try corpus.workspace.write("elsewhere/other.toml", "database = \"other.sqlite\"\n")
        let other = corpus.workspace.path("elsewhere/other.toml")
        let search = try AskDocsProcess.run(["search", "Rhein", "--config", other], directory: folder)
        #expect(search.status != 0)
        #expect(search.standardError.contains("no database at \(corpus.workspace.path("elsewhere/other.sqlite"))"))
        let missing = try AskDocsProcess.run(["check", "--config", "nope.toml"], directory: folder)
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("cannot read the configuration file nope.toml: no such file"))
        #expect(missing.standardError.split(separator: "\n").count == 1)
    }

    @Test(
        "a bad askdocs.toml stops every command with one line naming the file, the key and the line",
        arguments: [
            ("\npasages = 3\n", "askdocs.toml:8: unknown key 'ask.pasages'"),
            ("\nno_answer_boost = \"x\"\n", "askdocs.toml:8: 'ask.no_answer_boost' must be a number, not a string"),
            ("\npassages = 3\n", "askdocs.toml:8:"),  // defined twice: not valid TOML
            ("\n[ask\n", "askdocs.toml:8:"),
        ])
    func badFile(extra: String, expected: String) throws {
        let (corpus, folder) = try Self.configured(extra)
        for command in [["search", "Rhein"], ["index", corpus.docs], ["check"], ["ask", "Wo?"]] {
            let result = try AskDocsProcess.run(command, directory: folder)
            #expect(result.status != 0)
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(command): \(result.standardError)")
            #expect(result.standardError.contains(expected), "\(result.standardError)")
        }
    }

    static func askJSON(_ arguments: [String], _ folder: URL) throws -> [String: Any] {
        let result = try AskDocsProcess.run(arguments, directory: folder)
        #expect(result.status == 0, "\(result.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }
}
