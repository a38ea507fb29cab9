import Crypto
import DocumentStore
import Foundation
import PostgresStore
import Retrieval

/// An index kept in a shared PostgreSQL + pgvector database (`--db postgres://…`) for many readers: `serve`
/// replicas and `ask` read it directly; the one writer (`index`, `reindex`) keeps its working index — the embedded
/// SQLite + FAISS files, with their journal, checkpoints and change detection — in a state folder and publishes
/// each of its generations to the database in one transaction.
public struct SharedStore: Sendable {
    /// The database.
    public var url: PostgresURL
    /// The writer's working index (SQLite database; its vectors beside it).
    public var workingDatabase: String
    /// The database's index; its connections are kept for the run's next publishes and reads.
    public let index: PostgresIndex

    /// The settings a publish copies to the database: what readers need to make queries the way chunks were made.
    static let copiedSettings = [Indexer.termsSetting, RetrieverModel.setting, VectorState.setting]
    /// The setting recording which working-index generation the database publishes.
    static let sourceGenerationSetting = "source_generation"
    /// The setting recording which working index that generation is of: its identity, made once with it (a
    /// random UUID in its own settings, under the same key). A generation number alone cannot tell a writer that
    /// went on from one whose state was lost and rebuilt, whose generation 1 is another index's generation 1.
    static let sourceIndexSetting = "source_index"

    /// The working index's identity, made on its first publish to the database.
    static func identity(of store: DocumentStore) throws -> String {
        try store.settingStoringIfAbsent(sourceIndexSetting, UUID().uuidString.lowercased())
    }

    /// Which working index (`index`) and which of its generations (`generation`) the database publishes, as
    /// recorded; nil where nothing is.
    func publishedSource() throws -> (generation: String?, index: String?) {
        try index.read { (try $0.setting(Self.sourceGenerationSetting), try $0.setting(Self.sourceIndexSetting)) }
    }

    /// Whether `database` names a shared (PostgreSQL) index rather than a file.
    public static func isShared(_ database: String) -> Bool { PostgresURL.isPostgres(database) }

    /// The shared store `database` names, nil for a file path.
    public static func resolve(_ database: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> SharedStore?
    {
        guard PostgresURL.isPostgres(database) else { return nil }
        let url = try PostgresURL(database)
        return SharedStore(
            url: url, workingDatabase: workingDatabase(for: url, environment: environment),
            index: try PostgresIndex(url: url))
    }

    /// Where the writer of `url` keeps its working index: `$XDG_STATE_HOME/askdocs/shared/<host>-<port>-<db>[-<schema>]/`
    /// (`~/.local/state` when unset), one folder per database so two shared indexes never mix.
    public static func workingDatabase(for url: PostgresURL, environment: [String: String]) -> String {
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        let name = "\(url.host)-\(url.port)-\(url.database)\(url.schema.map { "-\($0)" } ?? "")".map {
            $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_"
        }
        return "\(state)/askdocs/shared/\(String(name))/index.sqlite"
    }

    /// Publishes the working index's current state (call it inside the writer's batch, right after a local publish,
    /// or in a read of the working database) unless the database already publishes that generation; `force`
    /// publishes anyway and rewrites every document and the statistics from nothing (a repair).
    @discardableResult
    public func publish(
        store: DocumentStore, vectors: VectorIndex?, model: EmbeddingModelIdentity?, dimension: Int?,
        force: Bool = false
    ) throws -> PostgresPublishReport? {
        try publish(store: store, vectors: vectors, model: model, dimension: dimension, force: force, onPhase: nil)
    }

    /// `publish`, calling `onPhase` (fault tests) once the first document is written.
    @discardableResult
    func publish(
        store: DocumentStore, vectors: VectorIndex?, model: EmbeddingModelIdentity?, dimension: Int?, force: Bool,
        onPhase: (@Sendable (PublishPhase) -> Void)?
    ) throws -> PostgresPublishReport? {
        let publisher = try PostgresPublisher(index: index)
        let local = try PublishedGeneration.read(from: store)?.number
        let identity = try Self.identity(of: store)
        let (remote, remoteIndex) = try publishedSource()
        // A database an older build published records no identity: its generation is taken to be this index's.
        let sameWriter = remoteIndex == nil || remoteIndex == identity
        if !force, sameWriter, let local, remote == String(local) { return nil }
        var settings: [String: String] = [:]
        for key in Self.copiedSettings {
            if let value = try store.setting(key) { settings[key] = value }
        }
        settings[Self.sourceGenerationSetting] = local.map(String.init) ?? "0"
        settings[Self.sourceIndexSetting] = identity
        let source = EmbeddedGenerationSource(
            store: store, vectors: vectors, settings: settings, model: vectors == nil ? nil : model,
            dimension: vectors == nil ? nil : dimension)
        var announced = false
        // Another writer's rows share no history with this index (its ids may name other documents): every
        // document and statistic is written from nothing, in the same one transaction.
        return try publisher.publish(source, rewrite: force || !sameWriter) { _, _ in
            // Once, after the first batch is written inside the transaction (the fault tests stop or kill there).
            if !announced { onPhase?(.sharing) }
            announced = true
        }
    }
}

/// A working index's published state as a `GenerationSource`: its documents, chunks, search terms and vectors.
struct EmbeddedGenerationSource: GenerationSource {
    let store: DocumentStore
    let vectors: VectorIndex?
    let settings: [String: String]
    let model: EmbeddingModelIdentity?
    let dimension: Int?

    init(
        store: DocumentStore, vectors: VectorIndex?, settings: [String: String], model: EmbeddingModelIdentity?,
        dimension: Int?
    ) {
        self.store = store
        self.vectors = vectors
        self.settings = settings
        self.model = model
        self.dimension = dimension
    }

    var vectorModel: String? {
        guard let model else { return nil }
        return (try? JSONEncoder.sorted.encode(model)).map { String(decoding: $0, as: UTF8.self) }
    }

    func documentFingerprints() throws -> [Int64: String] {
        var fingerprints: [Int64: String] = [:]
        for document in try store.allDocuments() { fingerprints[document.id] = Self.fingerprint(document) }
        return fingerprints
    }

    func document(id: Int64) throws -> GenerationDocument? {
        guard let metadata = try store.document(id: id), let text = try store.text(ofDocument: id) else { return nil }
        let chunks = try store.chunks(documentID: id)
        let terms = try store.searchTerms(ofDocument: id)
        let embedded = try vectors.map { try $0.vectors(ids: chunks.map(\.id)) }
        return GenerationDocument(
            metadata: metadata, text: text, fingerprint: Self.fingerprint(metadata),
            chunks: chunks.enumerated().map { offset, chunk in
                GenerationChunk(chunk: chunk, terms: terms[chunk.id] ?? "", vector: embedded?[offset])
            })
    }

    /// Changes whenever anything a reader sees of the document does: a rewritten document gets new ingestion times
    /// and chunk ids, a moved one a new path.
    static func fingerprint(_ document: StoredDocument) -> String {
        let fields: [String] = [
            document.key, document.sourcePath, document.contentHash, String(document.size),
            String(document.modifiedAt.timeIntervalSince1970), document.format, document.language ?? "",
            document.script ?? "", document.title ?? "", document.url ?? "",
            String(document.ingestedAt.timeIntervalSince1970), String(document.chunkCount),
        ]
        let digest = SHA256.hash(data: Data(fields.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

extension JSONEncoder {
    /// Keys sorted, so equal values encode to equal text.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
