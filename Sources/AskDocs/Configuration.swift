import Foundation
import Transformer

/// Where AskDocs keeps its files, which models it uses and how it asks, unless told otherwise: the built-in
/// defaults, overridden by an `askdocs.toml` file, overridden by what a command is given (`Configuration+TOML.swift`).
public struct Configuration: Sendable, Equatable {
    /// The SQLite database of documents and chunks.
    public var databasePath: String
    /// The extractive reader model (a Hugging Face id or a local directory).
    public var readerModel: String
    /// The sentence-embedding model for dense retrieval when the database records none.
    public var retrieverModel: String
    /// Passages (chunks) retrieved and read per question.
    public var passages: Int
    /// Span answers shown per question.
    public var answers: Int
    /// How `ask` retrieves its passages.
    public var mode: SearchMode
    /// Added to the reader's "no answer" score; positive says "no answer" more often.
    public var noAnswerBoost: Float
    /// The arithmetic of the reader's and the retriever's dense layers.
    public var precisions: ModelPrecisions = .fp32

    /// The built-in defaults: `indexes/askdocs.sqlite`, deepset/xlm-roberta-large-squad2, intfloat/multilingual-e5-small,
    /// AskRequest.defaultPassages passages, 1 answer, hybrid retrieval, no boost.
    public static let `default` = Configuration(
        databasePath: "indexes/askdocs.sqlite",
        readerModel: "deepset/xlm-roberta-large-squad2",
        retrieverModel: "intfloat/multilingual-e5-small"
    )

    /// Creates a configuration.
    public init(
        databasePath: String, readerModel: String, retrieverModel: String, passages: Int = AskRequest.defaultPassages,
        answers: Int = 1,
        mode: SearchMode = .hybrid, noAnswerBoost: Float = 0
    ) {
        self.databasePath = databasePath
        self.readerModel = readerModel
        self.retrieverModel = retrieverModel
        self.passages = passages
        self.answers = answers
        self.mode = mode
        self.noAnswerBoost = noAnswerBoost
    }

    /// The file read from the working directory when no file is named.
    public static let fileName = "askdocs.toml"
}

/// What one run was given explicitly (command-line flags, a request's fields); nil leaves the configured value.
public struct ConfigurationOverrides: Sendable, Equatable {
    /// The database file.
    public var databasePath: String?
    /// The reader model.
    public var readerModel: String?
    /// The default retriever.
    public var retrieverModel: String?
    /// Passages read per question.
    public var passages: Int?
    /// Answers shown per question.
    public var answers: Int?
    /// Retrieval mode of `ask`.
    public var mode: SearchMode?
    /// The no-answer boost.
    public var noAnswerBoost: Float?
    /// The precision of every model the run loads (`--precision`).
    public var precision: Precision?

    /// Creates overrides.
    public init(
        databasePath: String? = nil, readerModel: String? = nil, retrieverModel: String? = nil, passages: Int? = nil,
        answers: Int? = nil, mode: SearchMode? = nil, noAnswerBoost: Float? = nil, precision: Precision? = nil
    ) {
        self.databasePath = databasePath
        self.readerModel = readerModel
        self.retrieverModel = retrieverModel
        self.passages = passages
        self.answers = answers
        self.mode = mode
        self.noAnswerBoost = noAnswerBoost
        self.precision = precision
    }
}

extension Configuration {
    /// This configuration with every value `overrides` gives replacing the configured one.
    public func applying(_ overrides: ConfigurationOverrides) -> Configuration {
        var result = self
        if let value = overrides.databasePath { result.databasePath = value }
        if let value = overrides.readerModel { result.readerModel = value }
        if let value = overrides.retrieverModel { result.retrieverModel = value }
        if let value = overrides.passages { result.passages = value }
        if let value = overrides.answers { result.answers = value }
        if let value = overrides.mode { result.mode = value }
        if let value = overrides.noAnswerBoost { result.noAnswerBoost = value }
        if let value = overrides.precision { result.precisions = ModelPrecisions(value) }
        return result
    }

    /// The configuration a run uses: the built-in defaults, then the file at `file` (which must exist) or else
    /// `askdocs.toml` in `workingDirectory` (when there is one), then `overrides`.
    public static func resolve(
        file: String? = nil, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        overrides: ConfigurationOverrides = ConfigurationOverrides()
    ) throws(ConfigurationError) -> Configuration {
        let base: Configuration
        if let file {
            let url = URL(fileURLWithPath: absolute(file, in: workingDirectory))
            base = try Configuration.default.loading(contentsOf: url, shownAs: file)
        } else {
            let url = workingDirectory.appendingPathComponent(fileName)
            base =
                FileManager.default.fileExists(atPath: url.path)
                ? try Configuration.default.loading(contentsOf: url, shownAs: url.path) : .default
        }
        return base.applying(overrides)
    }
}
