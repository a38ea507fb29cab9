import Foundation

/// The question-answering pipeline's output shape: one `{"answer","score","start","end"}` object when
/// exactly one answer remains, otherwise a JSON list of them (possibly empty).
public struct ReaderOutput: Sendable, Equatable, Encodable {
    /// The answers, best first.
    public var answers: [AnswerSpan]
    /// Per-window raw logits, encoded under `"logits"` only when set (and then always as an object).
    public var windowLogits: [WindowLogits]?

    /// Creates an output; pass `windows` to expose their raw start/end logits.
    public init(answers: [AnswerSpan], windows: [ReaderWindow]? = nil) {
        self.answers = answers
        self.windowLogits = windows?.map(WindowLogits.init)
    }

    /// Whether the pipeline would return a single object rather than a list.
    public var isSingle: Bool { answers.count == 1 }

    /// Encodes as the pipeline does; with logits, as `{"answers": [...], "logits": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        if let windowLogits {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(answers, forKey: .answers)
            try container.encode(windowLogits, forKey: .logits)
        } else if let only = answers.first, answers.count == 1 {
            try only.encode(to: encoder)
        } else {
            try answers.encode(to: encoder)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case answers, logits
    }

    /// Compact JSON with sorted keys, one line.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Raw QA-head logits of one window, for `--logits` style debugging output.
public struct WindowLogits: Sendable, Equatable, Codable {
    /// Start logits, one per token.
    public var start: [Float]
    /// End logits, one per token.
    public var end: [Float]

    /// Copies a window's logits.
    public init(_ window: ReaderWindow) {
        start = window.startLogits
        end = window.endLogits
    }
}

/// One line of `askdocs read --batch` output: `{"id": ..., "answers": [...]}`, always a list.
public struct ReaderBatchRecord: Sendable, Equatable, Codable {
    /// The question id from the input line.
    public var id: String
    /// The answers, best first.
    public var answers: [AnswerSpan]

    /// Creates a record.
    public init(id: String, answers: [AnswerSpan]) {
        self.id = id
        self.answers = answers
    }

    /// The record as one JSON Lines line (no trailing newline), keys sorted.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
