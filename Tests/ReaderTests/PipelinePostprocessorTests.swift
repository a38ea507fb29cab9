import Foundation
import TestSupport
import Testing

@testable import Reader

/// The recorded transformers 4.57.6 pipeline runs (scripts/reference/reader_goldens.py).
struct PipelineGoldens: Decodable {
    struct Window: Decodable {
        let offsets: [[Int]]
        let sequenceIds: [Int?]
        let wordIds: [Int?]
        let clsPositions: [Int]
        let pMask: [Int]
        let startLogits: [UInt32]
        let endLogits: [UInt32]

        var readerWindow: ReaderWindow {
            ReaderWindow(
                offsets: offsets.map { $0[0]..<$0[1] }, sequenceIds: sequenceIds, wordIds: wordIds,
                startLogits: startLogits.map(Float.init(bitPattern:)),
                endLogits: endLogits.map(Float.init(bitPattern:)),
                classTokenPositions: clsPositions)
        }
    }

    struct Input: Decodable {
        let id: String
        let language: String
        let qaId: String
        let windows: [Window]
    }

    typealias Options = GoldenPipelineOptions
    typealias Answer = GoldenAnswer

    struct Case: Decodable {
        let input: Int
        let options: Options
        let flavour: String
        let nullBoost: Float?
        let shape: String
        let answers: [Answer]
    }

    let inputs: [Input]
    let cases: [Case]

    static let shared: Result<PipelineGoldens, any Error> = Result {
        try JSONDecoder().decode(PipelineGoldens.self, from: GzipFixture.data(named: "pipeline_goldens.json.gz"))
    }

    /// The contexts of the inputs, from XQuAD in ../shared (the fixture holds no third-party text).
    static let contexts: Result<[String: String], any Error> = Result {
        var contexts: [String: String] = [:]
        for language in ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"] {
            for question in try SharedAssets.xquad(language).questions {
                contexts["\(language)/\(question.id)"] = question.context
            }
        }
        return contexts
    }

    func context(of input: Input) throws -> String {
        guard let context = try Self.contexts.get()["\(input.language)/\(input.qaId)"] else {
            throw Gzip.Failure(description: "no XQuAD question \(input.qaId) in \(input.language)")
        }
        return context
    }

    /// The windows of a case, with the null boost applied at token 0 where the case used one.
    func windows(of testCase: Case) -> [ReaderWindow] {
        inputs[testCase.input].windows.map { window in
            var readerWindow = window.readerWindow
            if let boost = testCase.nullBoost {
                readerWindow.startLogits[0] += boost
                readerWindow.endLogits[0] += boost
            }
            return readerWindow
        }
    }
}

@Suite("Pipeline parity with transformers 4.57.6")
struct PipelinePostprocessorTests {
    @Test("every recorded pipeline answer is reproduced")
    func goldens() throws {
        let goldens = try PipelineGoldens.shared.get()
        #expect(goldens.cases.count > 900)
        #expect(Set(goldens.inputs.map(\.language)).count == 11)
        var mismatches: [String] = []
        for (index, testCase) in goldens.cases.enumerated() {
            let input = goldens.inputs[testCase.input]
            let context = try goldens.context(of: input)
            let text = ScalarText(context)
            let postprocessor = try PipelinePostprocessor(options: testCase.options.pipeline)
            let output = try postprocessor.output(windows: goldens.windows(of: testCase), context: context)
            let expected = testCase.answers
            var ok =
                output.answers.count == expected.count
                && output.isSingle == (testCase.shape == "single")
            for (got, want) in zip(output.answers, expected) {
                ok =
                    ok && got.answer == text.slice(want.start, want.end) && got.start == want.start
                    && got.end == want.end
                    // Recorded logits, no BLAS: softmax over ≤ 512 logits in another order (√n·u ≈ 1.4e-6, γₙ
                    // ≈ 3e-5 at worst) and one product; 1e-5 relative holds the realistic bound with margin.
                    && abs(got.score - want.score) <= 1e-5 * abs(want.score)
            }
            if !ok {
                mismatches.append(
                    "case \(index) \(input.id) \(testCase.options.pipeline) \(testCase.flavour): got "
                        + output.answers.map { "\($0.answer)|\($0.start)-\($0.end)|\($0.score)" }.joined(
                            separator: "; ")
                        + " want "
                        + expected.map { "\(text.slice($0.start, $0.end))|\($0.start)-\($0.end)|\($0.score)" }.joined(
                            separator: "; "))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test("the recorded p_mask is the complement of the selectable tokens")
    func pMask() throws {
        let goldens = try PipelineGoldens.shared.get()
        for input in goldens.inputs {
            for window in input.windows {
                let readerWindow = window.readerWindow
                let selectable = readerWindow.startLogits.indices.map { readerWindow.isSelectable($0) ? 0 : 1 }
                #expect(selectable == window.pMask, "\(input.id)")
            }
        }
    }
}
