import AskDocs
import DocumentStore
import Foundation

/// The body of `POST /v1/ask`: `{question, passages?, answers?, mode?, no_answer_boost?, filters?}`, with
/// askdocs.toml's values (or the built-in ones) for what it leaves out.
struct AskRouteRequest {
    /// The request for the asker.
    var request: AskRequest

    /// Parses a body; `defaults` supplies passages, answers, mode and the no-answer boost.
    init(body: Data, defaults: Configuration, limits: ServerConfiguration) throws(ServerError) {
        let fields = try JSONFields(body: body)
        try fields.rejectUnknown(allowed: ["question", "passages", "answers", "mode", "no_answer_boost", "filters"])
        let question = try fields.string("question", maxLength: limits.maxQuestionLength)
        var mode = defaults.mode
        if let name = try fields.optionalString("mode") {
            guard let parsed = SearchMode(rawValue: name) else {
                throw .badRequest("mode must be one of \(SearchMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = parsed
        }
        var boost = defaults.noAnswerBoost
        if let value = try fields.number("no_answer_boost") {
            guard abs(value) <= 1_000 else { throw .badRequest("no_answer_boost must be between -1000 and 1000") }
            boost = Float(value)
        }
        request = AskRequest(
            question: question, passages: try fields.integer("passages", in: 1...100) ?? defaults.passages,
            answers: try fields.integer("answers", in: 1...20) ?? defaults.answers, mode: mode, noAnswerBoost: boost,
            filter: try Self.filter(fields.fields("filters")))
    }

    private static func filter(_ fields: JSONFields?) throws(ServerError) -> SearchFilter {
        guard let fields else { return .none }
        try fields.rejectUnknown(allowed: ["path_prefix", "glob", "languages", "modified_after"])
        var modifiedAfter: Date?
        if let text = try fields.optionalString("modified_after") {
            guard let date = SearchFilter.date(text) else {
                throw .badRequest("\(fields.name("modified_after")) must be YYYY-MM-DD or an ISO 8601 date and time")
            }
            modifiedAfter = date
        }
        return SearchFilter(
            pathPrefix: try fields.optionalString("path_prefix", maxLength: 4096).map(SearchFilter.absolutePrefix),
            pathGlob: try fields.optionalString("glob", maxLength: 4096),
            languages: Set(try fields.strings("languages") ?? []),
            modifiedAfter: modifiedAfter)
    }
}
