import Foundation

/// Identifies a SQuAD paragraph by position: parallel files (XQuAD's 11 languages) share keys.
public struct ParagraphKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// Index of the article in `data`.
    public var article: Int
    /// Index of the paragraph within the article.
    public var paragraph: Int

    /// Creates a key.
    public init(article: Int, paragraph: Int) {
        self.article = article
        self.paragraph = paragraph
    }

    /// Orders by article, then paragraph (file order).
    public static func < (a: ParagraphKey, b: ParagraphKey) -> Bool {
        (a.article, a.paragraph) < (b.article, b.paragraph)
    }

    /// `article/paragraph`.
    public var description: String { "\(article)/\(paragraph)" }
}

/// A SQuAD-format file turned into a retrieval benchmark: each paragraph is one passage and each
/// question must retrieve its own paragraph (`askdocs eval retrieval`).
public struct SQuADRetrievalCorpus: Sendable {
    /// One paragraph as a passage.
    public struct Passage: Hashable, Sendable {
        /// Position of the paragraph in the file.
        public var key: ParagraphKey
        /// The article title.
        public var title: String
        /// The paragraph text (`context`).
        public var text: String

        /// Creates a passage (e.g. one chunk of a paragraph, keeping the paragraph's key).
        public init(key: ParagraphKey, title: String, text: String) {
            self.key = key
            self.title = title
            self.text = text
        }
    }

    /// One question and the paragraph it was asked about.
    public struct Question: Hashable, Sendable {
        /// The SQuAD question id.
        public var id: String
        /// The paragraph that answers it.
        public var key: ParagraphKey
        /// The question text.
        public var text: String
    }

    /// Passages in file order.
    public var passages: [Passage]
    /// Questions in file order.
    public var questions: [Question]

    /// Reads a SQuAD v1.1/v2.0 JSON file.
    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SQuADCorpusError.unreadable(path: url.path)
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses SQuAD JSON; `source` names it in errors.
    public init(data: Data, source: String = "SQuAD data") throws {
        struct File: Decodable { var data: [Article] }
        struct Article: Decodable {
            var title: String?
            var paragraphs: [Paragraph]
        }
        struct Paragraph: Decodable {
            var context: String
            var qas: [QA]
        }
        struct QA: Decodable {
            var id: String
            var question: String
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw SQuADCorpusError.malformed(path: source)
        }
        var passages: [Passage] = []
        var questions: [Question] = []
        for (a, article) in file.data.enumerated() {
            for (p, paragraph) in article.paragraphs.enumerated() {
                let key = ParagraphKey(article: a, paragraph: p)
                passages.append(Passage(key: key, title: article.title ?? "", text: paragraph.context))
                questions.append(contentsOf: paragraph.qas.map { Question(id: $0.id, key: key, text: $0.question) })
            }
        }
        self.passages = passages
        self.questions = questions
    }
}

/// Why a SQuAD file could not be used for retrieval evaluation.
public enum SQuADCorpusError: LocalizedError, Equatable, Sendable {
    /// The file does not exist or cannot be read.
    case unreadable(path: String)
    /// The file is not SQuAD JSON (`data[].paragraphs[].context/qas[].id/question`).
    case malformed(path: String)

    /// The one-line message shown to the user.
    public var errorDescription: String? {
        switch self {
        case .unreadable(let path): return "cannot read \(path)"
        case .malformed(let path):
            return "\(path) is not SQuAD-format JSON (data[].paragraphs[].context, qas[].id, question)"
        }
    }
}
