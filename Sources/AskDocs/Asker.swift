import DocumentStore
import Foundation
import Hub
import Ingest
import Reader
import Retrieval
import Transformer

/// Answers questions over an index: retrieves candidate chunks with `Searcher`, reads them all in one dynamically
/// padded batch with the extractive reader in ranking mode, and returns the answers with their sources (document,
/// character range, sentence), or "no answer" with how close the best candidate came.
public struct Asker: Sendable {
    /// Retrieves the passages.
    public var searcher: Searcher
    /// Reads the passages.
    public var reader: ExtractiveReader
    /// Window length and overlap of the reader (`maxSeqLen`, `docStride`); other fields are unused.
    public var windowOptions: ReaderOptions
    /// Ranking options; `topK` and `noAnswerBoost` are taken from each request.
    public var rankingOptions: RankingOptions

    /// How answers of different passages are compared: each span's margin over its own window's null score (measured
    /// on XQuAD against raw logits and the pipeline's window probability: README, "Asking end to end").
    public static let defaultScoring = RankingOptions.Scoring.nullMargin
    /// How merged answers are ordered: by their best place's score (adding up distinct places let repeated
    /// distractor text win on XQuAD).
    public static let defaultOrdering = RankingOptions.Ordering.score

    /// Creates an asker over loaded parts.
    public init(
        searcher: Searcher, reader: ExtractiveReader, windowOptions: ReaderOptions = ReaderOptions(),
        rankingOptions: RankingOptions = RankingOptions(scoring: Asker.defaultScoring, ordering: Asker.defaultOrdering)
    ) {
        self.searcher = searcher
        self.reader = reader
        self.windowOptions = windowOptions
        self.rankingOptions = rankingOptions
    }

    /// Opens the index at `database` and loads the models.
    ///
    /// - Parameters:
    ///   - database: the SQLite database `askdocs index` built.
    ///   - reader: the reader model: a folder, or a Hugging Face id in the local cache.
    ///   - retriever: the retriever; nil is the one the index was built with (else the default).
    ///   - dense: whether dense and hybrid search will be used (loads the retriever and the vector index).
    ///   - defaultRetriever: the retriever when neither `retriever` nor the database names one (the configured one).
    ///   - precisions: the arithmetic of the reader's and the retriever's dense layers.
    public static func open(
        database: String, reader: String, retriever: String? = nil, dense: Bool = true,
        defaultRetriever: String = Configuration.default.retrieverModel, precisions: ModelPrecisions = .fp32,
        cache: HubCache = HubCache()
    ) throws -> Asker {
        let searcher: Searcher
        do {
            searcher = try Searcher.open(
                database: database, retriever: retriever, mode: dense ? .hybrid : .bm25,
                defaultRetriever: defaultRetriever, precision: precisions.retriever, cache: cache)
        } catch let error as PipelineError {
            throw AskError(opening: error)
        }
        guard (try? searcher.index.read { try $0.counts().chunks }) ?? 0 > 0 else { throw AskError.emptyIndex(database: database) }
        return Asker(searcher: searcher, reader: try loadReader(reader, precision: precisions.reader, cache: cache))
    }

    /// Loads a reader from a folder or the local Hugging Face cache.
    public static func loadReader(
        _ name: String, precision: Precision = .fp32, cache: HubCache = HubCache()
    ) throws -> ExtractiveReader {
        let folder: URL
        do {
            folder = try cache.locate(name)
        } catch {
            throw AskError.readerNotAvailable(model: name, cache: cache.root.path)
        }
        do {
            return try ExtractiveReader(directory: folder, precision: precision)
        } catch ReaderError.unloadableModel(_, let reason) {
            throw AskError.unloadableReader(model: name, reason: reason)
        } catch {
            throw AskError.unloadableReader(model: name, reason: error.localizedDescription)
        }
    }

    /// Answers one question.
    public func ask(_ request: AskRequest) throws -> AskResponse {
        let question = request.question.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { throw AskError.emptyQuestion }
        guard request.passages > 0 else { throw AskError.invalidRequest("the number of passages must be positive") }
        guard request.answers > 0 else { throw AskError.invalidRequest("the number of answers must be positive") }
        try checkLength(question)
        let clock = ContinuousClock()
        var search = SearchRequest(query: question, k: request.passages, mode: request.mode, filter: request.filter)
        let embedStart = clock.now
        if request.mode != .bm25, let retriever = searcher.retriever {
            do {
                search.queryVector = try retriever.embedder.embed([question], prompt: retriever.queryPrompt).first
            } catch {
                throw AskError.failed(stage: "embedding", reason: error.localizedDescription)
            }
        }
        let embedSeconds = (clock.now - embedStart).seconds
        // One read transaction from the search to the answer's sentence: every chunk and text read comes from the
        // generation the search used, whatever a reindex publishes meanwhile.
        do {
            return try searcher.index.read { snapshot in
                var response = try answer(
                    question, search: search, request: request, embedSeconds: embedSeconds, in: snapshot)
                response.generation = try snapshot.generation().map { Int($0) }
                return response
            }
        } catch {
            // The read transaction's own failures (its begin or commit) as well as its body's.
            throw AskError.failure(error, stage: "search")
        }
    }

    /// `ask` after the question is embedded, inside one read transaction.
    private func answer(
        _ question: String, search: SearchRequest, request: AskRequest, embedSeconds: Double,
        in snapshot: any IndexSnapshot
    ) throws -> AskResponse {
        let clock = ContinuousClock()
        let searchStart = clock.now
        let results: [SearchResult]
        do {
            results = try searcher.search(search, in: snapshot)
        } catch {
            throw AskError.failure(error, stage: "search")
        }
        let searchSeconds = (clock.now - searchStart).seconds
        // Adaptive reading: the best few chunks first, all of them only when no answer of those is confident; the
        // second round reads only the passages the first did not.
        var rounds = [request.passages]
        if let first = request.firstPassages, first > 0, first < request.passages { rounds.insert(first, at: 0) }
        var cache = WindowCache()
        var readSeconds = 0.0
        var rankSeconds = 0.0
        for (round, count) in rounds.enumerated() {
            let used = Array(results.prefix(count))
            let passages = try self.passages(used, neighbours: request.neighbours, in: snapshot)
            let read = try self.read(question: question, passages: passages, request: request, cache: &cache)
            readSeconds += read.readSeconds
            rankSeconds += read.rankSeconds
            let confident =
                read.ranking.isAnswerable && (read.ranking.answers.first?.probability ?? 0) >= request.confidence
            if confident || round == rounds.count - 1 {
                return response(
                    question: question, results: used, passages: passages, ranking: read.ranking,
                    timings: AskResponse.Timings(
                        embed: embedSeconds, search: searchSeconds, read: readSeconds, rank: rankSeconds))
            }
        }
        throw AskError.failed(stage: "reading", reason: "no round of reading ran")
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
