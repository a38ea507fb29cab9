import Foundation
import Testing

@testable import Reader

@Suite("Word ids inferred from offsets")
struct InferredWordIdsTests {
    @Test("group context tokens exactly as the real XLM-R fast tokenizer's word ids do")
    func matchesRecordedWordIds() throws {
        let goldens = try PipelineGoldens.shared.get()
        var windows = 0
        for input in goldens.inputs {
            let context = try goldens.context(of: input)
            for window in input.windows {
                let offsets = window.offsets.map { $0[0]..<$0[1] }
                let inferred = ReaderWindow.inferredWordIds(
                    offsets: offsets, sequenceIds: window.sequenceIds, context: context)
                let contextTokens = window.sequenceIds.indices.filter { window.sequenceIds[$0] == 1 }
                // Same partition: consecutive context tokens share a word in both or in neither.
                for (previous, next) in zip(contextTokens, contextTokens.dropFirst()) {
                    #expect(
                        (inferred[previous] == inferred[next]) == (window.wordIds[previous] == window.wordIds[next]),
                        "\(input.id) tokens \(previous), \(next)")
                }
                #expect(
                    window.sequenceIds.indices.allSatisfy { (inferred[$0] == nil) == (window.sequenceIds[$0] != 1) })
                windows += 1
            }
        }
        #expect(windows == 449)
    }

    @Test("decoding with inferred word ids gives the pipeline's answers")
    func pipelineWithInferredWordIds() throws {
        let goldens = try PipelineGoldens.shared.get()
        for testCase in goldens.cases.prefix(200) {
            let input = goldens.inputs[testCase.input]
            let context = try goldens.context(of: input)
            let windows = goldens.windows(of: testCase).map { window in
                var copy = window
                copy.wordIds = ReaderWindow.inferredWordIds(
                    offsets: window.offsets, sequenceIds: window.sequenceIds, context: context)
                return copy
            }
            let answers = try PipelinePostprocessor(options: testCase.options.pipeline)
                .answers(windows: windows, context: context)
            #expect(answers.map(\.start) == testCase.answers.map(\.start), "\(input.id)")
            #expect(answers.map(\.end) == testCase.answers.map(\.end), "\(input.id)")
        }
    }
}
