import Foundation

/// A gold answer of a SQuAD question.
public struct SQuADAnswer: Sendable, Equatable, Codable {
    /// The answer text.
    public var text: String
    /// Start of the answer in the context, in Unicode scalars (`answer_start`).
    public var answerStart: Int

    /// Creates an answer.
    public init(text: String, answerStart: Int) {
        self.text = text
        self.answerStart = answerStart
    }

    private enum CodingKeys: String, CodingKey {
        case text
        case answerStart = "answer_start"
    }
}

/// One question of a SQuAD v1.1 or v2.0 file, with its paragraph.
public struct SQuADQuestion: Sendable, Equatable {
    /// The question id (`qas[].id`).
    public var id: String
    /// The article title.
    public var title: String
    /// The paragraph the answer is extracted from.
    public var context: String
    /// The question text.
    public var question: String
    /// The gold answers; empty for an unanswerable SQuAD v2 question.
    public var answers: [SQuADAnswer]
    /// SQuAD v2's `is_impossible` (false in v1.1 files).
    public var isImpossible: Bool

    /// Whether the question has a gold answer, as the official script decides (`bool(qa['answers'])`).
    public var hasAnswer: Bool { !answers.isEmpty }

    /// Creates a question.
    public init(
        id: String, title: String, context: String, question: String, answers: [SQuADAnswer], isImpossible: Bool
    ) {
        self.id = id
        self.title = title
        self.context = context
        self.question = question
        self.answers = answers
        self.isImpossible = isImpossible
    }
}

/// A SQuAD v1.1 or v2.0 dataset (also XQuAD and MLQA, which use the v1.1 format), in file order.
public struct SQuADDataset: Sendable, Equatable {
    /// The file's `version` field ("1.1", "v2.0", ...), empty when absent.
    public var version: String
    /// Every question, in file order.
    public var questions: [SQuADQuestion]

    /// Creates a dataset.
    public init(version: String, questions: [SQuADQuestion]) {
        self.version = version
        self.questions = questions
    }

    /// Parses SQuAD JSON.
    public init(data: Data) throws {
        let file = try JSONDecoder().decode(File.self, from: data)
        version = file.version ?? ""
        questions = file.data.flatMap { article in
            article.paragraphs.flatMap { paragraph in
                paragraph.qas.map { qa in
                    SQuADQuestion(
                        id: qa.id, title: article.title ?? "", context: paragraph.context, question: qa.question,
                        answers: qa.answers ?? [], isImpossible: qa.isImpossible ?? false)
                }
            }
        }
    }

    /// Loads a SQuAD JSON file; throws `ReaderError.unreadableDataset` with the reason.
    public init(contentsOf url: URL) throws(ReaderError) {
        do {
            try self.init(data: Data(contentsOf: url))
        } catch {
            throw .unreadableDataset(path: url.path, reason: Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, let context):
                return
                    "missing key '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: return "\(decoding)"
            }
        }
        return error.localizedDescription
    }

    private struct File: Decodable {
        let version: String?
        let data: [Article]
    }

    private struct Article: Decodable {
        let title: String?
        let paragraphs: [Paragraph]
    }

    private struct Paragraph: Decodable {
        let context: String
        let qas: [QA]
    }

    private struct QA: Decodable {
        let id: String
        let question: String
        let answers: [SQuADAnswer]?
        let isImpossible: Bool?

        enum CodingKeys: String, CodingKey {
            case id, question, answers
            case isImpossible = "is_impossible"
        }
    }
}
