import Foundation
import Testing

@testable import AskDocs
import Transformer

@Suite("askdocs.toml: parsing, precedence and errors")
struct ConfigurationTOMLTests {
    static let folder = URL(fileURLWithPath: "/configs")

    static func parse(_ text: String) throws -> Configuration {
        try Configuration.default.parsing(text, file: "askdocs.toml", folder: folder)
    }

    static func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.localizedDescription
        }
    }

    @Test("every key is read; a relative database is relative to the file's folder")
    func everyKey() throws {
        let configuration = try Self.parse(
            """
            # comments and blank lines are fine

            database = "data/docs.sqlite"
            reader = "org/reader"
            retriever = "/models/e5"

            [ask]
            passages = 4
            answers = 2
            mode = "bm25"
            no_answer_boost = -1.5
            """)
        #expect(
            configuration
                == Configuration(
                    databasePath: "/configs/data/docs.sqlite", readerModel: "org/reader", retrieverModel: "/models/e5",
                    passages: 4, answers: 2, mode: .bm25, noAnswerBoost: -1.5))
        #expect(try Self.parse("[ask]\nno_answer_boost = 2").noAnswerBoost == 2, "an integer is a number too")
    }

    @Test("precision sets both models, reader_precision and retriever_precision refine it in any order")
    func precisions() throws {
        #expect(try Self.parse("").precisions == .fp32)
        #expect(try Self.parse("precision = \"int8\"").precisions == ModelPrecisions(.int8))
        let refined = ModelPrecisions(reader: .bf16, retriever: .int8)
        #expect(try Self.parse("reader_precision = \"bf16\"\nprecision = \"int8\"").precisions == refined)
        #expect(try Self.parse("precision = \"int8\"\nreader_precision = \"bf16\"").precisions == refined)
        let flagged = try Self.parse("reader_precision = \"bf16\"").applying(ConfigurationOverrides(precision: .int8))
        #expect(flagged.precisions == ModelPrecisions(.int8), "--precision applies to every model")
    }

    @Test("an empty file and a missing key keep the built-in defaults")
    func defaults() throws {
        #expect(try Self.parse("") == .default)
        let partial = try Self.parse("[ask]\npassages = 3\n")
        #expect(partial.passages == 3)
        #expect(partial.readerModel == "deepset/xlm-roberta-large-squad2")
        #expect(partial.retrieverModel == "intfloat/multilingual-e5-small")
        #expect(partial.databasePath == "indexes/askdocs.sqlite")
        #expect(partial.answers == 1 && partial.mode == .hybrid && partial.noAnswerBoost == 0)
    }

    @Test("a model folder beside the file is found there; other names stay Hugging Face ids")
    func modelPaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-config-\(UUID())")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("models/reader"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let configuration = try Configuration.default.parsing(
            "reader = \"models/reader\"\nretriever = \"intfloat/multilingual-e5-small\"", file: "x.toml", folder: root)
        #expect(configuration.readerModel == root.appendingPathComponent("models/reader").standardizedFileURL.path)
        #expect(configuration.retrieverModel == "intfloat/multilingual-e5-small")
    }

    @Test("flags over the file over the built-in defaults")
    func precedence() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-config-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // No file: the built-in defaults, then the flags.
        #expect(try Configuration.resolve(workingDirectory: root) == .default)
        try Data("database = \"file.sqlite\"\n[ask]\npassages = 7\nanswers = 3\n".utf8)
            .write(to: root.appendingPathComponent("askdocs.toml"))
        let fromFile = try Configuration.resolve(workingDirectory: root)
        #expect(fromFile.databasePath == root.appendingPathComponent("file.sqlite").path)
        #expect(fromFile.passages == 7 && fromFile.answers == 3)
        #expect(fromFile.readerModel == Configuration.default.readerModel)
        let flagged = try Configuration.resolve(
            workingDirectory: root,
            overrides: ConfigurationOverrides(databasePath: "flag.sqlite", passages: 2, mode: .dense))
        #expect(flagged.databasePath == "flag.sqlite")
        #expect(flagged.passages == 2 && flagged.answers == 3 && flagged.mode == .dense)
        // A named file replaces the working directory's.
        try Data("[ask]\nanswers = 5\n".utf8).write(to: root.appendingPathComponent("other.toml"))
        let named = try Configuration.resolve(file: "other.toml", workingDirectory: root)
        #expect(named.answers == 5 && named.passages == Configuration.default.passages)
        #expect(
            throws: ConfigurationError.unreadable(file: "absent.toml", reason: "no such file")
        ) { try Configuration.resolve(file: "absent.toml", workingDirectory: root) }
    }

    @Test(
        "bad files are one line naming the file, the key and the line",
        arguments: [
            ("database = \"a\"\ndatabse = \"b\"\n", "askdocs.toml:2: unknown key 'databse'; known keys: database,"),
            ("[ask]\npassages = 3\npasages = 4\n", "askdocs.toml:3: unknown key 'ask.pasages'"),
            ("[search]\nk = 3\n", "askdocs.toml:1: unknown key 'search'"),
            ("\n[ask]\npassages = \"ten\"\n", "askdocs.toml:3: 'ask.passages' must be an integer, not a string"),
            ("[ask]\nanswers = 0\n", "askdocs.toml:2: 'ask.answers' must be positive"),
            ("[ask]\nmode = \"sparse\"\n", "askdocs.toml:2: 'ask.mode' must be one of dense, bm25, hybrid"),
            (
                "[ask]\nno_answer_boost = true\n",
                "askdocs.toml:2: 'ask.no_answer_boost' must be a number, not a boolean"
            ),
            ("[ask]\nno_answer_boost = inf\n", "askdocs.toml:2: 'ask.no_answer_boost' must be a finite number"),
            ("reader = 3\n", "askdocs.toml:1: 'reader' must be a string, not an integer"),
            ("retriever = \"\"\n", "askdocs.toml:1: 'retriever' must not be empty"),
            ("ask = 3\n", "askdocs.toml:1: 'ask' must be a table, not an integer"),
            ("database = \"a\"\nreader = \n", "askdocs.toml:2:"),
            ("[ask\npassages = 3\n", "askdocs.toml:1:"),
            ("precision = \"fp16\"\n", "askdocs.toml:1: 'precision' must be one of fp32, bf16, int8"),
            ("reader_precision = 8\n", "askdocs.toml:1: 'reader_precision' must be a string, not an integer"),
        ])
    func errors(text: String, expected: String) {
        let message = Self.error(text)
        #expect(message?.hasPrefix(expected) == true, "\(message ?? "no error")")
        #expect(message?.contains("\n") == false)
        #expect(message?.contains("--") == false, "library messages name no flags")
    }

    @Test("malformed TOML says where and why")
    func malformed() {
        let message = Self.error("database = \"a\"\nreader = \n") ?? ""
        #expect(message.hasPrefix("askdocs.toml:2:"))
        #expect(message.contains("not valid TOML"))
    }
}
