/// The bookkeeping of `askdocs eval retrieval`: SQuAD paragraphs as passages with chunk ids,
/// questions with their target paragraph keys, and scoring of ranked chunk-id lists.
///
/// Rankings come from the caller (dense search in a `VectorIndex`, BM25 from the document store,
/// or their `hybrid` fusion), so this type needs no model. Per-language mode scores one language's
/// questions against that language's passages; cross-lingual mode puts every language's passages in
/// one index and counts a question as found where any language's copy of its paragraph appears.
public struct RetrievalEvaluation: Sendable {
    /// One passage to index.
    public struct Passage: Hashable, Sendable {
        /// The chunk id to index it under: `language << 32 | passage index`, unique across languages.
        public var chunkID: Int64
        /// Index of its language in the evaluation's `languages`.
        public var language: Int
        /// Its paragraph; shared by the same paragraph in every language.
        public var key: ParagraphKey
        /// The paragraph text.
        public var text: String
    }

    /// One question to rank passages for.
    public struct Question: Hashable, Sendable {
        /// Index of its language in the evaluation's `languages`.
        public var language: Int
        /// The paragraph it must retrieve.
        public var key: ParagraphKey
        /// The question text.
        public var text: String
    }

    /// Language names (e.g. `en`), in the order their corpora were given.
    public let languages: [String]
    /// Every language's passages, language by language.
    public let passages: [Passage]
    /// Every language's questions, language by language.
    public let questions: [Question]
    /// Recall cut-offs.
    public var ks: [Int] = [1, 5, 20]
    /// MRR cut-off.
    public var mrrCutoff = 20
    /// How dense and lexical rankings are fused for `hybrid`.
    public var fusion = ReciprocalRankFusion(k: 60)

    private let keyByChunk: [Int64: ParagraphKey]

    /// Builds the evaluation from one SQuAD corpus per language (parallel files share paragraph keys).
    public init(corpora: [(language: String, corpus: SQuADRetrievalCorpus)]) {
        languages = corpora.map(\.language)
        var passages: [Passage] = []
        var questions: [Question] = []
        for (languageIndex, entry) in corpora.enumerated() {
            for (index, passage) in entry.corpus.passages.enumerated() {
                passages.append(
                    Passage(
                        chunkID: Int64(languageIndex) << 32 | Int64(index), language: languageIndex, key: passage.key,
                        text: passage.text))
            }
            questions.append(
                contentsOf: entry.corpus.questions.map {
                    Question(language: languageIndex, key: $0.key, text: $0.text)
                })
        }
        self.passages = passages
        self.questions = questions
        self.keyByChunk = Dictionary(uniqueKeysWithValues: passages.map { ($0.chunkID, $0.key) })
    }

    /// The passages of one language (what a per-language index holds).
    public func passages(language: Int) -> [Passage] { passages.filter { $0.language == language } }

    /// The questions of one language.
    public func questions(language: Int) -> [Question] { questions.filter { $0.language == language } }

    /// Scores rankings (chunk ids, best first), one per question in `questions` order: a question is
    /// found where a passage with its paragraph key appears, whatever that passage's language.
    public func score(_ rankings: [[Int64]], for questions: [Question]) -> RetrievalMetrics {
        precondition(rankings.count == questions.count, "one ranking per question")
        var metrics = RetrievalMetrics(ks: ks, mrrCutoff: mrrCutoff)
        for (ranking, question) in zip(rankings, questions) {
            // Unknown ids keep their rank position (as misses) so they cannot promote later hits.
            let keys: [ParagraphKey?] = ranking.map { keyByChunk[$0] }
            metrics.record(ranking: keys, relevant: [question.key])
        }
        return metrics
    }

    /// Fuses dense and lexical rankings question by question (reciprocal-rank fusion).
    public func hybrid(dense: [[Int64]], lexical: [[Int64]], weights: [Double]? = nil) -> [[Int64]] {
        precondition(dense.count == lexical.count, "one dense and one lexical ranking per question")
        return zip(dense, lexical).map { fusion.fuse([$0, $1], weights: weights).map(\.id) }
    }
}
