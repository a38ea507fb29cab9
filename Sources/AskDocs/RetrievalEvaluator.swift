import DocumentStore
import Foundation
import Ingest
import Retrieval

/// What `askdocs eval retrieval` measures.
public struct RetrievalEvalOptions: Sendable {
    /// Rankings to score.
    public var modes: [SearchMode] = SearchMode.allCases
    /// Recall cut-offs.
    public var ks: [Int] = [1, 5, 20]
    /// MRR cut-off.
    public var mrrCutoff = 20
    /// Split paragraphs with the ingestion chunker instead of taking each as one passage.
    public var chunked = false
    /// Chunker settings for `chunked`.
    public var chunking = ChunkerConfiguration.default
    /// Also index every file's passages together and count any language's copy of the paragraph as found.
    public var crossLingual = false
    /// Results taken from each side before fusing.
    public var fusionDepth = 100
    /// RRF smoothing constant.
    public var rrfK: Double = 60
    /// Texts per forward pass.
    public var batchSize = 32
    /// A shared PostgreSQL database to rank in instead of FAISS and SQLite: each index of the evaluation is
    /// published into a scratch schema of it (removed afterwards), BM25 and HNSW dense search run there.
    public var postgres: String?

    /// The defaults: every mode, Recall@1/5/20, MRR@20, one passage per paragraph, per-language only.
    public init() {}
}

/// One line of an evaluation: a language (or `all` for cross-lingual, `mean` for the macro average) and a mode.
public struct RetrievalEvalRow: Sendable, Equatable, Encodable {
    /// Language of the file (its `xquad.<lang>.json` suffix or file name), `mean` or `all`.
    public var language: String
    /// Ranking.
    public var mode: SearchMode
    /// Whether every file's passages were indexed together.
    public var crossLingual: Bool
    /// `recall@k` and `mrr@k`.
    public var metrics: [String: Double]
    /// Questions scored.
    public var queries: Int

    /// `{"language", "mode", "cross_lingual", "recall@k"…, "mrr@k", "queries"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(language, forKey: DynamicKey("language"))
        try container.encode(mode, forKey: DynamicKey("mode"))
        try container.encode(crossLingual, forKey: DynamicKey("cross_lingual"))
        for (key, value) in metrics { try container.encode(value, forKey: DynamicKey(key)) }
        try container.encode(queries, forKey: DynamicKey("queries"))
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Retrieval quality on SQuAD-format files: each paragraph is one passage (truncated at the model's maximum length,
/// as the Python reference does) or, `chunked`, the ingestion chunks of it; every question must retrieve its
/// paragraph. Dense search uses an exact FAISS index, BM25 a temporary SQLite FTS5 index of the same piece terms
/// `askdocs index` stores, hybrid their RRF fusion, each with `fusionDepth` results per side.
public struct RetrievalEvaluator: Sendable {
    /// The embedding model and its tokenizer.
    public var retriever: RetrieverModel
    /// Where temporary BM25 databases go.
    public var scratch: URL

    /// Creates an evaluator.
    public init(retriever: RetrieverModel, scratch: URL = FileManager.default.temporaryDirectory) {
        self.retriever = retriever
        self.scratch = scratch
    }

    /// The language of a SQuAD file: `xquad.de.json` → `de`, else the file name without extension.
    public static func language(ofFile url: URL) -> String {
        let stem = url.deletingPathExtension().lastPathComponent
        let parts = stem.split(separator: ".")
        return parts.count >= 2 ? String(parts[parts.count - 1]) : stem
    }

    /// Evaluates; `log` receives one line per step (embedding is the slow part).
    public func run(
        corpora input: [(language: String, corpus: SQuADRetrievalCorpus)], options: RetrievalEvalOptions,
        log: (String) -> Void = { _ in }
    ) throws -> [RetrievalEvalRow] {
        let corpora = options.chunked ? input.map { ($0.language, chunked($0.corpus, options.chunking)) } : input
        var evaluation = RetrievalEvaluation(corpora: corpora.map { (language: $0.0, corpus: $0.1) })
        evaluation.ks = options.ks
        evaluation.mrrCutoff = options.mrrCutoff
        evaluation.fusion = ReciprocalRankFusion(k: options.rrfK)
        let needsDense = options.modes.contains(.dense) || options.modes.contains(.hybrid)
        let needsLexical = options.modes.contains(.bm25) || options.modes.contains(.hybrid)

        // Embeddings are computed once and shared by the per-language and the cross-lingual indexes.
        var passageVectors: [[Float]] = []
        var questionVectors: [[Float]] = []
        if needsDense {
            let embedder = retriever.embedder
            for language in evaluation.languages.indices {
                let started = Date()
                let passages = evaluation.passages(language: language)
                let questions = evaluation.questions(language: language)
                passageVectors += try embedder.embed(
                    passages.map(\.text), prompt: retriever.passagePrompt, batchSize: options.batchSize)
                questionVectors += try embedder.embed(
                    questions.map(\.text), prompt: retriever.queryPrompt, batchSize: options.batchSize)
                log(
                    String(
                        format: "embedded %@: %d passages, %d questions in %.0f s", evaluation.languages[language],
                        passages.count, questions.count, Date().timeIntervalSince(started)))
            }
        }
        let passageRow = Dictionary(uniqueKeysWithValues: evaluation.passages.enumerated().map { ($1.chunkID, $0) })
        let questionRows = Dictionary(grouping: evaluation.questions.indices, by: { evaluation.questions[$0].language })

        func evaluate(languages: [Int], name: String, crossLingual: Bool) throws -> [RetrievalEvalRow] {
            let passages = languages.flatMap { evaluation.passages(language: $0) }
            let rows = languages.flatMap { questionRows[$0] ?? [] }
            let questions = rows.map { evaluation.questions[$0] }
            var dense: [[Int64]] = []
            var lexical: [[Int64]] = []
            if let postgres = options.postgres {
                let vectors = needsDense ? passages.map { passageVectors[passageRow[$0.chunkID] ?? 0] } : nil
                (dense, lexical) = try postgresRankings(
                    postgres, passages: passages, vectors: vectors, questions: questions,
                    questionVectors: needsDense ? rows.map { questionVectors[$0] } : nil,
                    depth: options.fusionDepth, lexical: needsLexical)
            } else if needsDense {
                let index = try VectorIndex.build(
                    model: retriever.embedder.identity, dimension: retriever.embedder.dimension,
                    vectors: passages.map { passageVectors[passageRow[$0.chunkID] ?? 0] }, ids: passages.map(\.chunkID))
                let depth = min(options.fusionDepth, passages.count)
                dense = try index.search(rows.map { questionVectors[$0] }, k: max(1, depth)).map { $0.map(\.chunkID) }
            }
            if needsLexical && options.postgres == nil {
                lexical = try bm25Rankings(passages: passages, questions: questions, depth: options.fusionDepth)
            }
            return options.modes.map { mode in
                let rankings: [[Int64]]
                switch mode {
                case .dense: rankings = dense
                case .bm25: rankings = lexical
                case .hybrid: rankings = evaluation.hybrid(dense: dense, lexical: lexical)
                }
                let metrics = evaluation.score(rankings, for: questions)
                return RetrievalEvalRow(
                    language: name, mode: mode, crossLingual: crossLingual, metrics: metrics.summary,
                    queries: metrics.queryCount)
            }
        }

        var results: [RetrievalEvalRow] = []
        for language in evaluation.languages.indices {
            results += try evaluate(languages: [language], name: evaluation.languages[language], crossLingual: false)
        }
        if evaluation.languages.count > 1 {
            for mode in options.modes {
                let rows = results.filter { $0.mode == mode && !$0.crossLingual }
                var mean: [String: Double] = [:]
                for key in rows.first?.metrics.keys ?? [:].keys {
                    mean[key] = rows.map { $0.metrics[key] ?? 0 }.reduce(0, +) / Double(rows.count)
                }
                results.append(
                    RetrievalEvalRow(
                        language: "mean", mode: mode, crossLingual: false, metrics: mean,
                        queries: rows.map(\.queries).reduce(0, +)))
            }
        }
        if options.crossLingual {
            log("cross-lingual: \(evaluation.passages.count) passages in one index")
            results += try evaluate(
                languages: Array(evaluation.languages.indices), name: "all", crossLingual: true)
        }
        return results
    }

    /// A corpus whose passages are the ingestion chunks of its paragraphs (each chunk keeps its paragraph's key).
    func chunked(_ corpus: SQuADRetrievalCorpus, _ configuration: ChunkerConfiguration) -> SQuADRetrievalCorpus {
        let chunker = Chunker(counter: retriever.tokenCounter, configuration: configuration)
        var copy = corpus
        copy.passages = corpus.passages.flatMap { passage in
            chunker.chunks(of: passage.text).map {
                SQuADRetrievalCorpus.Passage(key: passage.key, title: passage.title, text: $0.text)
            }
        }
        return copy
    }

    /// BM25 rankings from a temporary FTS5 database holding `passages` as one-chunk documents.
    func bm25Rankings(
        passages: [RetrievalEvaluation.Passage], questions: [RetrievalEvaluation.Question], depth: Int
    ) throws -> [[Int64]] {
        let folder = scratch.appendingPathComponent("askdocs-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try DocumentStore(path: folder.appendingPathComponent("bm25.sqlite").path)
        let termizer = retriever.termizer
        var passageOfChunk: [Int64: Int64] = [:]
        try store.write { writer in
            for passage in passages {
                let document = NewDocument(
                    key: String(passage.chunkID), sourcePath: String(passage.chunkID), contentHash: "", size: 0,
                    modifiedAt: Date(timeIntervalSince1970: 0), format: "text", text: passage.text)
                let id = try writer.insertDocument(document)
                let chunk = NewChunk(
                    ordinal: 0, text: passage.text, startOffset: 0, endOffset: passage.text.unicodeScalars.count,
                    tokenCount: 0, terms: termizer.terms(passage.text).joined(separator: " "))
                passageOfChunk[try writer.insertChunk(chunk, documentID: id)] = passage.chunkID
                try writer.finishDocument(id, chunkCount: 1)
            }
        }
        return try questions.map { question in
            try store.search(terms: termizer.terms(question.text), limit: depth).compactMap {
                passageOfChunk[$0.chunkID]
            }
        }
    }
}
