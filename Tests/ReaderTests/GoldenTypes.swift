@testable import Reader

/// Pipeline options as the golden generators record them (the transformers argument names).
struct GoldenPipelineOptions: Decodable {
    let top_k: Int?
    let handle_impossible_answer: Bool?
    let align_to_words: Bool?
    let max_answer_len: Int?

    /// The options with the pipeline's defaults for what was not recorded.
    var pipeline: PipelineOptions {
        PipelineOptions(
            topK: top_k ?? 1, handleImpossibleAnswer: handle_impossible_answer ?? false,
            maxAnswerLength: max_answer_len ?? 15, alignToWords: align_to_words ?? true)
    }
}

/// One answer the pipeline returned: score and character span.
struct GoldenAnswer: Decodable {
    let score: Double
    let start: Int
    let end: Int
}
