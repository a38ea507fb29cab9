import DocumentStore
import Foundation

/// One question for `Asker`.
public struct AskRequest: Sendable, Equatable {
    /// The question, in any language the models read.
    public var question: String
    /// Passages (chunks) retrieved and read.
    public var passages: Int
    /// Span answers returned at most.
    public var answers: Int
    /// How the passages are retrieved.
    public var mode: SearchMode
    /// Added to the reader's "no answer" score: positive makes "no answer" likelier.
    public var noAnswerBoost: Float
    /// Metadata restrictions on the documents searched.
    public var filter: SearchFilter
    /// Chunks read on each side of a retrieved chunk (merged with it into one passage, as are retrieved chunks of
    /// one document that overlap or touch); nil reads every retrieved chunk alone.
    public var neighbours: Int?
    /// Adaptive reading: chunks read first; the rest of `passages` only when no answer of these reaches
    /// `confidence`. Nil reads all `passages` at once.
    public var firstPassages: Int?
    /// Adaptive reading: the probability at which the first round's best answer is confident.
    public var confidence: Double

    /// The default number of passages read: 1, from the XQuAD curve over articles 36–47 in en, de and zh (README,
    /// "Asking end to end"): F1 is highest at 1 passage in all three and falls with each passage added, because the
    /// other paragraphs of an article give confident wrong spans; reading 1 also costs a third of reading 3.
    public static let defaultPassages = 1
    /// The default: every retrieved chunk read alone (reading neighbours too lowered F1 on XQuAD).
    public static let defaultNeighbours: Int? = nil
    /// The default number of chunks read first (nil: all at once).
    public static let defaultFirstPassages: Int? = nil
    /// The default confidence that ends adaptive reading after the first round.
    public static let defaultConfidence = 0.5

    /// Creates a request.
    public init(
        question: String, passages: Int = AskRequest.defaultPassages, answers: Int = 3, mode: SearchMode = .hybrid,
        noAnswerBoost: Float = 0, filter: SearchFilter = .none, neighbours: Int? = AskRequest.defaultNeighbours,
        firstPassages: Int? = AskRequest.defaultFirstPassages, confidence: Double = AskRequest.defaultConfidence
    ) {
        self.question = question
        self.passages = passages
        self.answers = answers
        self.mode = mode
        self.noAnswerBoost = noAnswerBoost
        self.filter = filter
        self.neighbours = neighbours
        self.firstPassages = firstPassages
        self.confidence = confidence
    }
}

/// The answer to one question with its sources: the stable JSON schema of `askdocs ask --json` (README, "Ask").
public struct AskResponse: Sendable, Equatable, Codable {
    /// A document an answer or passage comes from.
    public struct Document: Sendable, Equatable, Codable {
        /// The source file's absolute path.
        public var path: String
        /// The document's unique key (`path`, or `path#id` for a JSON Lines record).
        public var key: String
        /// The title, when the format has one.
        public var title: String?
        /// The language code, when known.
        public var language: String?

        /// Encodes every key, `null` for a missing title or language (the schema's keys are always present).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(key, forKey: .key)
            try container.encode(title, forKey: .title)
            try container.encode(language, forKey: .language)
        }

        enum CodingKeys: String, CodingKey { case path, key, title, language }
    }

    /// The sentence around an answer; offsets are Unicode scalars into the document's text.
    public struct Sentence: Sendable, Equatable, Codable {
        /// The sentence text.
        public var text: String
        /// Start of the sentence in the document.
        public var start: Int
        /// End (exclusive) of the sentence in the document.
        public var end: Int
        /// Where the answer starts within `text`.
        public var answerStart: Int
        /// Where the answer ends (exclusive) within `text`.
        public var answerEnd: Int

        enum CodingKeys: String, CodingKey {
            case text, start, end
            case answerStart = "answer_start"
            case answerEnd = "answer_end"
        }
    }

    /// One answer with its source.
    public struct Answer: Sendable, Equatable, Codable {
        /// The answer text, exactly the document's text between `start` and `end`.
        public var text: String
        /// The reader's probability (softmax over every span of every passage read and "no answer").
        public var probability: Double
        /// The raw reader score (start + end logit), comparable across passages of one question.
        public var score: Double
        /// The document of the best-scoring place the answer was found.
        public var document: Document
        /// The chunk that place lies in.
        public var chunkID: Int64
        /// Start of the answer in the document, in Unicode scalars.
        public var start: Int
        /// End (exclusive) of the answer in the document.
        public var end: Int
        /// The sentence around the answer.
        public var sentence: Sentence
        /// Places the answer was found, this one included (the same text elsewhere, or overlapping chunks).
        public var sightings: Int

        enum CodingKeys: String, CodingKey {
            case text, probability, score, document, start, end, sentence, sightings
            case chunkID = "chunk_id"
        }
    }

    /// The "no answer" result.
    public struct NoAnswer: Sendable, Equatable, Codable {
        /// Probability that the passages do not answer the question.
        public var probability: Double
        /// The boosted null score; nil when no passage was read (there is no null score to report).
        public var score: Double?

        enum CodingKeys: String, CodingKey { case probability, score }

        /// Encodes both keys, `null` for a missing score (JSON has no infinity).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(probability, forKey: .probability)
            try container.encode(score, forKey: .score)
        }
    }

    /// A retrieved chunk (read with its neighbours, see `AskRequest.neighbours`).
    public struct Passage: Sendable, Equatable, Codable {
        /// The chunk id.
        public var chunkID: Int64
        /// The chunk's document.
        public var document: Document
        /// Start of the chunk in the document.
        public var start: Int
        /// End (exclusive) of the chunk in the document.
        public var end: Int
        /// The retrieval score (cosine, BM25 or RRF, by mode).
        public var score: Double
        /// The chunk text.
        public var text: String

        enum CodingKeys: String, CodingKey {
            case document, start, end, score, text
            case chunkID = "chunk_id"
        }
    }

    /// Seconds each stage took.
    public struct Timings: Sendable, Equatable, Codable {
        /// Embedding the question with the retriever (0 for BM25).
        public var embed: Double
        /// Searching the index with the embedded question.
        public var search: Double
        /// Tokenizing the passages and running the reader model over them.
        public var read: Double
        /// Ranking the answers across passages.
        public var rank: Double
    }

    /// The question asked.
    public var question: String
    /// Whether the passages answer the question.
    public var answerable: Bool
    /// The answers, most probable first; empty when the passages do not answer the question.
    public var answers: [Answer]
    /// The best span even when "no answer" won (so callers see how close it was); nil when nothing was read.
    public var bestCandidate: Answer?
    /// The "no answer" result.
    public var noAnswer: NoAnswer
    /// The retrieved chunks, in retrieval order.
    public var passages: [Passage]
    /// Seconds per stage.
    public var timings: Timings
    /// The published generation of the index that answered (nil: an index written before generations).
    public var generation: Int? = nil

    enum CodingKeys: String, CodingKey {
        case question, answerable, answers, passages, timings, generation
        case bestCandidate = "best_candidate"
        case noAnswer = "no_answer"
    }

    /// Encodes every key, `null` for a missing best candidate.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(question, forKey: .question)
        try container.encode(answerable, forKey: .answerable)
        try container.encode(answers, forKey: .answers)
        try container.encode(bestCandidate, forKey: .bestCandidate)
        try container.encode(noAnswer, forKey: .noAnswer)
        try container.encode(passages, forKey: .passages)
        try container.encode(timings, forKey: .timings)
        try container.encode(generation, forKey: .generation)
    }

    /// The schema version of this JSON shape (bumped only by incompatible changes).
    public static let schemaVersion = 1
}
