import DocumentStore
import Foundation
import Ingest
import Reader
import Retrieval

/// Open-domain evaluation of `Asker` on a SQuAD-format file, beside the closed-book score of the same reader.
public struct AskEvaluation: Sendable, Equatable, Codable {
    /// Questions asked.
    public var questions: Int
    /// Paragraphs (documents) in the temporary index.
    public var paragraphs: Int
    /// Chunks in the temporary index.
    public var chunks: Int
    /// Passages read per question.
    public var passages: Int
    /// Official SQuAD metrics of the answers found over the whole corpus.
    public var openDomain: SQuADMetrics
    /// Official SQuAD metrics of the same reader given the gold paragraph (as `eval squad` reads).
    public var closedBook: SQuADMetrics
    /// Fraction of questions whose gold paragraph is among the passages read.
    public var recall: Double
    /// Seconds per question of open-domain asking (search, read, rank).
    public var secondsPerQuestion: Double
    /// Seconds per question of closed-book reading.
    public var closedBookSecondsPerQuestion: Double
    /// Seconds spent building the temporary index.
    public var indexSeconds: Double

    enum CodingKeys: String, CodingKey {
        case questions, paragraphs, chunks, passages, recall
        case openDomain = "open_domain"
        case closedBook = "closed_book"
        case secondsPerQuestion = "seconds_per_question"
        case closedBookSecondsPerQuestion = "closed_book_seconds_per_question"
        case indexSeconds = "index_seconds"
    }
}

/// Every paragraph of a SQuAD-format file becomes a document of a temporary index (chunked as `askdocs index`
/// chunks); every question of the chosen articles is asked over the whole corpus.
public struct AskEvaluator: Sendable {
    /// The reader.
    public var reader: ExtractiveReader
    /// The retriever the temporary index is built with.
    public var retriever: RetrieverModel
    /// Passages read per question.
    public var passages: Int
    /// Retrieval mode.
    public var mode: SearchMode
    /// Answer normalisation of the metrics.
    public var normalizer: SQuADNormalizer
    /// Neighbouring chunks read on each side of a retrieved chunk (`AskRequest.neighbours`).
    public var neighbours: Int?
    /// Cross-passage scoring of the reader.
    public var scoring: RankingOptions.Scoring

    /// Creates an evaluator.
    public init(
        reader: ExtractiveReader, retriever: RetrieverModel, passages: Int = AskRequest.defaultPassages,
        mode: SearchMode = .hybrid, normalizer: SQuADNormalizer = SQuADNormalizer(),
        neighbours: Int? = AskRequest.defaultNeighbours, scoring: RankingOptions.Scoring = Asker.defaultScoring
    ) {
        self.neighbours = neighbours
        self.scoring = scoring
        self.reader = reader
        self.retriever = retriever
        self.passages = passages
        self.mode = mode
        self.normalizer = normalizer
    }

    /// The article titles of `dataset`, in file order.
    public static func titles(_ dataset: SQuADDataset) -> [String] {
        var titles: [String] = []
        for question in dataset.questions where titles.last != question.title { titles.append(question.title) }
        return titles
    }

    /// Evaluates the questions of `articles` (indices into `titles`, all when nil); `progress(done, total)` after
    /// each question.
    public func evaluate(
        _ dataset: SQuADDataset, articles: ClosedRange<Int>? = nil,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> AskEvaluation {
        guard passages > 0 else { throw AskError.invalidRequest("the number of passages must be positive") }
        let corpus = try buildCorpus(dataset, articles: articles)
        defer { corpus.remove() }
        let questions = corpus.questions
        let asker = corpus.asker

        var open = SQuADPredictions()
        var found = 0
        let askStart = Date()
        for (done, question) in questions.enumerated() {
            let response = try asker.ask(
                AskRequest(question: question.question, passages: passages, mode: mode, neighbours: neighbours))
            open.add(
                id: question.id, answer: response.bestCandidate?.text ?? "",
                noAnswerProbability: response.noAnswer.probability)
            let gold = corpus.goldFile(question)
            if response.passages.contains(where: { ($0.document.path as NSString).lastPathComponent == gold }) {
                found += 1
            }
            progress(done + 1, questions.count)
        }
        let askSeconds = Date().timeIntervalSince(askStart)

        let closedStart = Date()
        var closed = SQuADPredictions()
        let results = try reader.read(questions.map { ReaderInput(question: $0.question, context: $0.context) })
        for (question, result) in zip(questions, results) {
            closed.add(
                id: question.id, answer: result.answers.first?.answer ?? "",
                noAnswerProbability: result.noAnswerProbability)
        }
        let closedSeconds = Date().timeIntervalSince(closedStart)

        let subset = SQuADDataset(version: dataset.version, questions: questions)
        let evaluator = SQuADEvaluator(normalizer: normalizer)
        let count = max(questions.count, 1)
        return AskEvaluation(
            questions: questions.count, paragraphs: corpus.paragraphs, chunks: corpus.chunks,
            passages: passages,
            openDomain: evaluator.evaluate(
                dataset: subset, predictions: open.dictionary, noAnswerProbabilities: open.probabilities),
            closedBook: evaluator.evaluate(
                dataset: subset, predictions: closed.dictionary, noAnswerProbabilities: closed.probabilities),
            recall: Double(found) / Double(count), secondsPerQuestion: askSeconds / Double(count),
            closedBookSecondsPerQuestion: closedSeconds / Double(count), indexSeconds: corpus.indexSeconds)
    }

    /// The temporary index of a dataset's paragraphs and the questions of the chosen articles.
    struct Corpus {
        var folder: URL
        var questions: [SQuADQuestion]
        var paragraphIndex: [String: Int]
        var chunks: Int
        var indexSeconds: Double
        var asker: Asker

        var paragraphs: Int { paragraphIndex.count }

        /// The file name of a question's gold paragraph.
        func goldFile(_ question: SQuADQuestion) -> String? { paragraphIndex[question.context].map(fileName) }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// Writes every distinct paragraph as a text file, indexes them as `askdocs index` does, and opens an asker.
    func buildCorpus(_ dataset: SQuADDataset, articles: ClosedRange<Int>?) throws -> Corpus {
        let titles = Self.titles(dataset)
        if let articles, articles.lowerBound < 0 || articles.upperBound >= titles.count {
            throw AskError.invalidRequest(
                "articles \(articles.lowerBound)...\(articles.upperBound) are outside the file's 0...\(titles.count - 1)"
            )
        }
        let chosen = Set(articles.map { Array(titles[$0]) } ?? titles)
        let questions = dataset.questions.filter { chosen.contains($0.title) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-eval-ask-\(UUID())")
        do {
            let documents = folder.appendingPathComponent("docs")
            try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
            var paragraphIndex: [String: Int] = [:]
            for question in dataset.questions where paragraphIndex[question.context] == nil {
                let index = paragraphIndex.count
                paragraphIndex[question.context] = index
                try Data(question.context.utf8).write(to: documents.appendingPathComponent(fileName(index)))
            }
            let indexStart = Date()
            let database = folder.appendingPathComponent("index.sqlite")
            let store = try DocumentStore(path: database.path)
            var indexer = Indexer(store: store, chunker: Chunker(counter: retriever.tokenCounter))
            indexer.termizer = retriever.termizer
            let report = try indexer.run(IndexRequest(paths: [documents.path]))
            let location = VectorIndexLocation(databaseURL: database)
            _ = try VectorSync(store: store, retriever: retriever, location: location).run()
            let vectors = try VectorIndex.open(
                at: location, expecting: retriever.embedder.identity, dimension: retriever.embedder.dimension)
            var asker = Asker(
                searcher: Searcher(store: store, termizer: retriever.termizer, retriever: retriever, vectors: vectors),
                reader: reader)
            asker.rankingOptions.scoring = scoring
            return Corpus(
                folder: folder, questions: questions, paragraphIndex: paragraphIndex, chunks: report.chunksAdded,
                indexSeconds: Date().timeIntervalSince(indexStart), asker: asker)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

}

/// The file name of paragraph `index` in the temporary corpus.
func fileName(_ index: Int) -> String { String(format: "p%05d.txt", index) }
