import Foundation
import Reader

/// A reader request, from either shape the server takes: the Hugging Face Inference API's question-answering
/// contract (`{"inputs": {"question", "context"} | [...], "parameters": {...}}`) or `/v1/read`
/// (`{"question", "contexts": [...], ...parameters}`). Both carry the pipeline's parameters under its names.
struct ReadingRequest {
    /// The pairs to read, in order.
    var inputs: [ReaderInput]
    /// Whether `inputs` was one object rather than a list (the answer is then not wrapped in a list).
    var single: Bool
    /// The pipeline parameters.
    var options: ReaderOptions

    /// The pipeline's parameter names, as `InferenceClient.question_answering` sends them.
    static let parameterNames: Set<String> = [
        "top_k", "handle_impossible_answer", "max_answer_len", "max_question_len", "max_seq_len", "doc_stride",
        "align_to_words",
    ]

    /// Parses the Inference API shape.
    init(inferenceBody body: Data, limits: ServerConfiguration) throws(ServerError) {
        let fields = try JSONFields(body: body)
        try fields.rejectUnknown(allowed: ["inputs", "parameters", "options"])
        guard fields.has("inputs") else { throw .badRequest("inputs is required: {\"question\": …, \"context\": …}") }
        var inputs: [ReaderInput] = []
        if let list = fields.object["inputs"] as? [Any] {
            guard !list.isEmpty else { throw .badRequest("inputs must not be an empty list") }
            guard list.count <= limits.maxInputs else {
                throw .badRequest("inputs has \(list.count) pairs; at most \(limits.maxInputs) per request")
            }
            for (index, element) in list.enumerated() {
                guard let object = element as? [String: Any] else {
                    throw .badRequest("inputs[\(index)] must be an object {\"question\": …, \"context\": …}")
                }
                inputs.append(try Self.pair(JSONFields(object: object, path: "inputs[\(index)]"), limits: limits))
            }
            single = false
        } else if let pairFields = try? fields.fields("inputs") {
            inputs = [try Self.pair(pairFields, limits: limits)]
            single = true
        } else {
            throw .badRequest("inputs must be an object {\"question\": …, \"context\": …} or a list of them")
        }
        self.inputs = inputs
        let parameters = try fields.fields("parameters") ?? JSONFields(object: [:], path: "parameters")
        try parameters.rejectUnknown(allowed: Self.parameterNames)
        options = try Self.options(parameters)
        // The hosted API's `options` ({"wait_for_model", "use_cache"}) concern its own model loading; accepted as such.
        if let extra = try fields.fields("options") {
            try extra.rejectUnknown(allowed: ["wait_for_model", "use_cache"])
        }
    }

    /// Parses the `/v1/read` shape.
    init(readBody body: Data, limits: ServerConfiguration) throws(ServerError) {
        let fields = try JSONFields(body: body)
        try fields.rejectUnknown(allowed: Self.parameterNames.union(["question", "context", "contexts"]))
        let question = try fields.string("question", maxLength: limits.maxQuestionLength)
        var contexts: [String]
        switch (fields.has("context"), fields.has("contexts")) {
        case (true, true): throw .badRequest("give context or contexts, not both")
        case (false, false): throw .badRequest("contexts is required: a list of texts to read")
        case (true, false):
            contexts = [try fields.string("context", maxLength: limits.maxContextLength)]
            single = true
        case (false, true):
            contexts = try fields.strings("contexts", maxLength: limits.maxContextLength) ?? []
            guard !contexts.isEmpty else { throw .badRequest("contexts must not be an empty list") }
            guard contexts.count <= limits.maxInputs else {
                throw .badRequest("contexts has \(contexts.count) texts; at most \(limits.maxInputs) per request")
            }
            single = false
        }
        inputs = contexts.map { ReaderInput(question: question, context: $0) }
        options = try Self.options(fields)
    }

    private static func pair(_ fields: JSONFields, limits: ServerConfiguration) throws(ServerError) -> ReaderInput {
        try fields.rejectUnknown(allowed: ["question", "context"])
        return ReaderInput(
            question: try fields.string("question", maxLength: limits.maxQuestionLength),
            context: try fields.string("context", maxLength: limits.maxContextLength))
    }

    /// The pipeline parameters of `fields`, with the pipeline's defaults and bounds.
    private static func options(_ fields: JSONFields) throws(ServerError) -> ReaderOptions {
        let defaults = PipelineOptions()
        let maxSeqLen = try fields.integer("max_seq_len", in: 4...4_096)
        let docStride = try fields.integer("doc_stride", in: 0...4_096)
        if let docStride, docStride > (maxSeqLen ?? 384) {
            throw .badRequest(
                "\(fields.name("doc_stride")) \(docStride) is larger than max_seq_len \(maxSeqLen ?? 384)")
        }
        return ReaderOptions(
            maxSeqLen: maxSeqLen, docStride: docStride,
            maxQuestionLength: try fields.integer("max_question_len", in: 1...4_096) ?? 64,
            pipeline: PipelineOptions(
                topK: try fields.integer("top_k", in: 1...100) ?? defaults.topK,
                handleImpossibleAnswer: try fields.boolean("handle_impossible_answer")
                    ?? defaults.handleImpossibleAnswer,
                maxAnswerLength: try fields.integer("max_answer_len", in: 1...512) ?? defaults.maxAnswerLength,
                alignToWords: try fields.boolean("align_to_words") ?? defaults.alignToWords))
    }

    /// Encodes every pair (on the caller's thread: tokenizing is cheap next to the model, and a bad pair is a 400
    /// before anything waits in the queue).
    func encode(with reader: ExtractiveReader) throws(ServerError) -> [EncodedReaderInput] {
        var encoded: [EncodedReaderInput] = []
        for (index, input) in inputs.enumerated() {
            do {
                encoded.append(try reader.encode(input, options: options))
            } catch {
                let prefix = single ? "" : "input \(index + 1): "
                throw .badRequest(prefix + error.localizedDescription)
            }
        }
        return encoded
    }
}
