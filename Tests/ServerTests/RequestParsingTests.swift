import AskDocs
import Foundation
import Reader
import Testing

@testable import Server

/// The request bodies of the reader and ask routes: both Inference API shapes, the pipeline's parameters, and
/// 400 messages that name the field.
@Suite("Request parsing")
struct RequestParsingTests {
    let limits = ServerConfiguration(maxQuestionLength: 50, maxContextLength: 100, maxInputs: 3)

    func inference(_ json: String) throws(ServerError) -> ReadingRequest {
        try ReadingRequest(inferenceBody: Data(json.utf8), limits: limits)
    }

    func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? ServerError)?.localizedDescription ?? "\(error)"
        }
    }

    @Test("one pair is single, a list is not; parameters take the pipeline's names and defaults")
    func inferenceShapes() throws {
        let one = try inference(#"{"inputs": {"question": "Who?", "context": "Clara."}}"#)
        #expect(one.single && one.inputs == [ReaderInput(question: "Who?", context: "Clara.")])
        #expect(one.options.pipeline == PipelineOptions())
        #expect(one.options.maxSeqLen == nil && one.options.docStride == nil)
        let list = try inference(
            #"{"inputs": [{"question": "Who?", "context": "Clara."}, {"question": "Where?", "context": "Here."}], "#
                + #""parameters": {"top_k": 3, "handle_impossible_answer": true, "max_answer_len": 7, "#
                + #""max_seq_len": 64, "doc_stride": 16, "align_to_words": false, "max_question_len": 9}}"#)
        #expect(!list.single && list.inputs.count == 2)
        #expect(
            list.options.pipeline
                == PipelineOptions(topK: 3, handleImpossibleAnswer: true, maxAnswerLength: 7, alignToWords: false))
        #expect(list.options.maxSeqLen == 64 && list.options.docStride == 16 && list.options.maxQuestionLength == 9)
        // huggingface_hub sends every parameter, null when unset.
        let nulls = try inference(#"{"inputs": {"question": "Who?", "context": "C."}, "parameters": {"top_k": null}}"#)
        #expect(nulls.options.pipeline.topK == 1)
    }

    @Test("400 messages name the field")
    func fieldErrors() {
        #expect(message { try inference("{") } == "the body is not valid JSON")
        #expect(message { try inference("[1]") } == "the body must be a JSON object")
        #expect(message { try inference("{}") }?.hasPrefix("inputs is required") == true)
        #expect(message { try inference(#"{"inputs": "text"}"#) }?.hasPrefix("inputs must be an object") == true)
        #expect(
            message { try inference(#"{"inputs": {"question": 3, "context": "C."}}"#) }
                == "inputs.question must be a string")
        #expect(
            message { try inference(#"{"inputs": {"question": " ", "context": "C."}}"#) }
                == "inputs.question must not be empty")
        #expect(
            message { try inference(#"{"inputs": [{"question": "Q", "context": 1}]}"#) }
                == "inputs[0].context must be a string")
        #expect(
            message { try inference(#"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"top_k": true}}"#) }
                == "parameters.top_k must be an integer")
        #expect(
            message { try inference(#"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"top_k": 1.5}}"#) }
                == "parameters.top_k must be an integer")
        #expect(
            message { try inference(#"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"top_k": 0}}"#) }
                == "parameters.top_k must be between 1 and 100 (got 0)")
        #expect(
            message {
                try inference(
                    #"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"handle_impossible_answer": 1}}"#)
            } == "parameters.handle_impossible_answer must be true or false")
        #expect(
            message { try inference(#"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"topk": 2}}"#) }?
                .hasPrefix("unknown field parameters.topk") == true)
        #expect(
            message {
                try inference(
                    #"{"inputs": {"question": "Q", "context": "C"}, "parameters": {"doc_stride": 300, "max_seq_len": 100}}"#
                )
            } == "parameters.doc_stride 300 is larger than max_seq_len 100")
        let long = String(repeating: "a", count: 101)
        #expect(
            message { try inference(#"{"inputs": {"question": "Q", "context": "\#(long)"}}"#) }
                == "inputs.context is longer than 100 characters")
        #expect(
            message {
                try inference(
                    #"{"inputs": [\#(Array(repeating: #"{"question": "Q", "context": "C"}"#, count: 4).joined(separator: ","))]}"#
                )
            } == "inputs has 4 pairs; at most 3 per request")
    }

    @Test("/v1/read takes context or contexts, not both")
    func readShape() throws {
        let one = try ReadingRequest(
            readBody: Data(#"{"question": "Q", "context": "C", "top_k": 2}"#.utf8), limits: limits)
        #expect(one.single && one.options.pipeline.topK == 2)
        let many = try ReadingRequest(
            readBody: Data(#"{"question": "Q", "contexts": ["A", "B"]}"#.utf8), limits: limits)
        #expect(!many.single && many.inputs.map(\.context) == ["A", "B"])
        #expect(
            message {
                try ReadingRequest(
                    readBody: Data(#"{"question": "Q", "context": "C", "contexts": ["A"]}"#.utf8), limits: limits)
            } == "give context or contexts, not both")
        #expect(
            message {
                try ReadingRequest(readBody: Data(#"{"question": "Q", "contexts": ["A", ""]}"#.utf8), limits: limits)
            } == "contexts[1] must be a non-empty string")
    }

    @Test("/v1/ask: defaults from the configuration, mode and filters checked")
    func askShape() throws {
        var defaults = Configuration.default
        defaults.passages = 7
        let plain = try AskRouteRequest(body: Data(#"{"question": "Where?"}"#.utf8), defaults: defaults, limits: limits)
        #expect(plain.request.passages == 7 && plain.request.mode == defaults.mode && plain.request.filter == .none)
        let full = try AskRouteRequest(
            body: Data(
                #"{"question": "Where?", "passages": 3, "answers": 2, "mode": "bm25", "no_answer_boost": 1.5, "filters": {"path_prefix": "/docs/", "glob": "*.md", "languages": ["de"], "modified_after": "2024-01-02"}}"#
                    .utf8), defaults: defaults, limits: limits)
        #expect(full.request.passages == 3 && full.request.answers == 2 && full.request.mode == .bm25)
        #expect(full.request.noAnswerBoost == 1.5)
        #expect(full.request.filter.pathPrefix == "/docs/" && full.request.filter.pathGlob == "*.md")
        #expect(full.request.filter.languages == ["de"] && full.request.filter.modifiedAfter != nil)
        #expect(
            message {
                try AskRouteRequest(
                    body: Data(#"{"question": "Q", "mode": "fast"}"#.utf8), defaults: defaults, limits: limits)
            } == "mode must be one of dense, bm25, hybrid")
        #expect(
            message {
                try AskRouteRequest(
                    body: Data(#"{"question": "Q", "filters": {"modified_after": "yesterday"}}"#.utf8),
                    defaults: defaults, limits: limits)
            } == "filters.modified_after must be YYYY-MM-DD or an ISO 8601 date and time")
    }
}
