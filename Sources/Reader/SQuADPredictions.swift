import Foundation

/// Predictions in the official SQuAD format: `{"question id": "answer text"}` ("" = no answer), and the
/// matching no-answer probabilities file, both written in insertion order.
public struct SQuADPredictions: Sendable, Equatable {
    /// `(question id, answer text)` in insertion order.
    public private(set) var answers: [(id: String, text: String)] = []
    /// `(question id, no-answer probability)` in insertion order, for `--na-prob-file`.
    public private(set) var noAnswerProbabilities: [(id: String, probability: Double)] = []

    /// Creates an empty set of predictions.
    public init() {}

    /// Adds (or replaces) the prediction of one question, optionally with its no-answer probability.
    public mutating func add(id: String, answer: String, noAnswerProbability: Double? = nil) {
        if let index = answers.firstIndex(where: { $0.id == id }) {
            answers[index].text = answer
        } else {
            answers.append((id, answer))
        }
        if let noAnswerProbability {
            if let index = noAnswerProbabilities.firstIndex(where: { $0.id == id }) {
                noAnswerProbabilities[index].probability = noAnswerProbability
            } else {
                noAnswerProbabilities.append((id, noAnswerProbability))
            }
        }
    }

    /// Question id → answer text, what `SQuADEvaluator.evaluate` takes.
    public var dictionary: [String: String] {
        Dictionary(answers.map { ($0.id, $0.text) }, uniquingKeysWith: { _, last in last })
    }

    /// The probabilities for `SQuADEvaluator.evaluate`, or nil when none were added.
    public var probabilities: SQuADNoAnswerProbabilities? {
        noAnswerProbabilities.isEmpty
            ? nil : SQuADNoAnswerProbabilities(noAnswerProbabilities.map { ($0.id, $0.probability) })
    }

    /// The predictions file (pretty JSON object in insertion order).
    public func predictionsJSON() throws -> Data {
        try Self.object(answers.map { ($0.id, try Self.encoded($0.text)) })
    }

    /// The no-answer probabilities file.
    public func noAnswerProbabilitiesJSON() throws -> Data {
        try Self.object(noAnswerProbabilities.map { ($0.id, try Self.encoded($0.probability)) })
    }

    /// Loads a predictions file (`{"id": "text"}`), keeping its order.
    public init(contentsOf url: URL) throws(ReaderError) {
        do {
            for pair in try OrderedJSONObject.parse(Data(contentsOf: url)) {
                guard case .string(let text) = pair.value else {
                    throw OrderedJSONObject.Failure(message: "prediction of '\(pair.key)' is not a string")
                }
                add(id: pair.key, answer: text)
            }
        } catch {
            throw .unreadablePredictions(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Equal when both hold the same entries in the same order.
    public static func == (lhs: SQuADPredictions, rhs: SQuADPredictions) -> Bool {
        lhs.answers.elementsEqual(rhs.answers, by: { $0 == $1 })
            && lhs.noAnswerProbabilities.elementsEqual(rhs.noAnswerProbabilities, by: { $0 == $1 })
    }

    private static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func object(_ members: [(String, String)]) throws -> Data {
        var text = "{"
        for (index, member) in members.enumerated() {
            text += (index == 0 ? "\n  " : ",\n  ") + (try encoded(member.0)) + ": " + member.1
        }
        text += members.isEmpty ? "}\n" : "\n}\n"
        return Data(text.utf8)
    }
}
