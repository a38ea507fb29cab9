import ArgumentParser
import AskDocs
import DocumentStore
import Foundation
import Hub
import Transformer

/// `--db`: the database a command works on (nil: the configured one).
struct DatabaseOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The database file, or a shared PostgreSQL index as postgres://user@host:port/name (default: "
                + "`database` in askdocs.toml, else \(Configuration.default.databasePath)).",
            valueName: "file|url"))
    var db: String?

    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db needs a file path or a postgres:// URL") }
    }
}

/// `--config`: the configuration file whose values replace the built-in defaults (flags replace both).
struct ConfigOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The configuration file (default: ./\(Configuration.fileName) when there is one; see the README).",
            valueName: "file"))
    var config: String?

    /// The built-in defaults, then the configuration file, then `overrides` (the flags given).
    func resolve(_ overrides: ConfigurationOverrides = ConfigurationOverrides()) throws -> Configuration {
        try CommandFailure.reporting { try Configuration.resolve(file: config, overrides: overrides) }
    }
}

/// `--retriever`: the sentence-embedding model, when the command does not take the database's.
struct RetrieverOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The retriever: a model folder or a Hugging Face id in the local cache (default: the one the database "
                + "was built with, else `retriever` in askdocs.toml, else \(Configuration.default.retrieverModel)).",
            valueName: "model"))
    var retriever: String?
}

/// `--model`: a model folder, or a Hugging Face id found in the local cache.
struct ModelFolderOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The model: a folder (config.json, model.safetensors, tokenizer.json) or a Hugging Face id in the local "
                + "cache (`askdocs models pull ID` fetches one).",
            valueName: "model"))
    var model: String

    /// The folder `model` names, resolved the way every command resolves models (`HubCache.locate`).
    func folder() throws -> URL {
        try HubCache().locate(model)
    }
}

/// `--json`: machine-readable output instead of the human one.
struct JSONOutputOption: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// What a `--glob` pattern matches, the same for `index` and `search` (`PathGlob`).
let globMeaning =
    "Without '/' it matches the file name ('copyright', '*.md'); from a leading '/' the whole absolute path; "
    + "otherwise the path's last components ('doc/*.html'). '*' crosses '/'."

/// The metadata filters of `search` and `ask`.
struct SearchFilterOptions: ParsableArguments {
    @Option(name: .customLong("path-prefix"), help: "Only documents whose path starts with this.")
    var pathPrefix: String?

    @Option(
        name: .customLong("glob"), help: ArgumentHelp("Only documents whose path matches this pattern. " + globMeaning))
    var glob: String?

    @Option(name: .customLong("lang"), help: "Only documents in this language (e.g. de); repeatable.")
    var languages: [String] = []

    @Option(
        name: .customLong("modified-after"),
        help: "Only documents modified after this date (YYYY-MM-DD or ISO 8601).")
    var modifiedAfter: String?

    func validate() throws {
        if let modifiedAfter, Self.date(modifiedAfter) == nil {
            throw ValidationError("--modified-after: expected YYYY-MM-DD or an ISO 8601 date and time")
        }
    }

    /// The filter the flags give.
    var filter: SearchFilter {
        SearchFilter(
            pathPrefix: pathPrefix.map(Self.absolutePrefix), pathGlob: glob, languages: Set(languages),
            modifiedAfter: modifiedAfter.flatMap(Self.date))
    }

    /// A path prefix as stored paths are written (`SearchFilter.absolutePrefix`).
    static func absolutePrefix(_ prefix: String) -> String { SearchFilter.absolutePrefix(prefix) }

    /// `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 date and time (`SearchFilter.date`).
    static func date(_ text: String) -> Date? { SearchFilter.date(text) }
}

/// `--passages`, `--mode` and `--reader`: how `ask` and `eval ask` retrieve and read, each defaulting to askdocs.toml.
struct AskReadingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Passages (chunks) retrieved and read per question (default: ask.passages in askdocs.toml, else "
                + "\(Configuration.default.passages))."))
    var passages: Int?

    @Option(help: "Retrieval: dense, bm25 or hybrid (default: ask.mode in askdocs.toml, else hybrid).")
    var mode: SearchMode?

    @Option(
        help: ArgumentHelp(
            "The reader: a model folder or a Hugging Face id in the local cache (default: reader in "
                + "askdocs.toml, else \(Configuration.default.readerModel))."))
    var reader: String?

    func validate() throws {
        if let passages, passages <= 0 { throw ValidationError("--passages must be positive") }
    }
}

/// How often `index` and `reindex` publish what they have stored and embedded, and the vector index structure.
struct CheckpointOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The vector index: Flat (exact, the default) or HNSW<m> (approximate graph); `reindex` with another "
                + "one rebuilds the index from its vectors.", valueName: "factory"))
    var indexFactory: String?

    @Option(help: "Chunks stored between published checkpoints (a killed run loses at most these).")
    var checkpointChunks = IndexPublisher.defaultCheckpointChunks

    @Option(help: "Seconds between published checkpoints at most.")
    var checkpointSeconds = 300.0

    func validate() throws {
        guard checkpointChunks > 0 else { throw ValidationError("--checkpoint-chunks must be positive") }
        guard checkpointSeconds > 0 else { throw ValidationError("--checkpoint-seconds must be positive") }
    }
}

extension Precision: ExpressibleByArgument {}

/// `--precision`: the arithmetic of the models a command runs (default: askdocs.toml's, else fp32).
struct PrecisionOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The models' arithmetic: \(Precision.names) (default: precision in askdocs.toml, else fp32; bf16 and "
                + "int8 are faster, within the quality gates of the README).",
            valueName: "precision"))
    var precision: Precision?

    /// The precisions of a command that resolves no configuration of its own: the flag, else ./askdocs.toml's.
    func resolved() throws -> ModelPrecisions {
        if let precision { return ModelPrecisions(precision) }
        return try CommandFailure.reporting { try Configuration.resolve().precisions }
    }

    /// Prints what this CPU does differently for the chosen precisions (emulated bf16, 7-bit int8) on stderr.
    static func announce(_ precisions: ModelPrecisions) {
        for note in precisions.hardwareNotes { FileHandle.standardError.write(Data((note + "\n").utf8)) }
    }
}
