import Foundation
import Reader
import Testing
import TestSupport
import Transformer

@testable import Server

/// Dynamic batching on the committed tiny XLM-R reader: batched answers equal the ones each pair gets alone, the
/// queue is bounded, and a cancelled request never reaches the model.
@Suite("ModelWorker")
struct ModelWorkerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let model = root.appendingPathComponent("Tests/TransformerTests/Fixtures/tiny-xlmr-qa")
    let reader: ExtractiveReader

    init() throws {
        reader = try ExtractiveReader(directory: Self.model)
    }

    /// Sixteen pairs of different lengths (one window to several), with different decoding options.
    static let inputs: [(ReaderInput, ReaderOptions)] = (0..<16).map { index in
        let sentence = "Clara lives in Berkeley and works on the \(index)th floor of the library. "
        let context = String(repeating: sentence, count: 1 + index * 3)
        let options = ReaderOptions(
            maxSeqLen: index % 3 == 0 ? 64 : nil, docStride: index % 3 == 0 ? 16 : nil,
            pipeline: PipelineOptions(
                topK: 1 + index % 3, handleImpossibleAnswer: index % 2 == 0, maxAnswerLength: 5 + index))
        return (ReaderInput(question: "Where does Clara live? (\(index))", context: context), options)
    }

    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var batches: [ModelWorker.BatchReport] = []
        func add(_ report: ModelWorker.BatchReport) {
            lock.lock()
            batches.append(report)
            lock.unlock()
        }
        var all: [ModelWorker.BatchReport] {
            lock.lock()
            defer { lock.unlock() }
            return batches
        }
    }

    @Test("concurrent requests are read in shared batches and get exactly the answers they get alone")
    func batchedEqualsAlone() async throws {
        let reports = Reports()
        let worker = ModelWorker(
            reader: reader, maxBatch: 16, maxWait: .milliseconds(200), maxQueue: 64, onBatch: reports.add)
        defer { worker.stop() }
        let encoded = try Self.inputs.map { try reader.encode($0.0, options: $0.1) }
        let batched = try await withThrowingTaskGroup(of: (Int, ReaderResult).self) { group in
            for (index, input) in encoded.enumerated() {
                group.addTask { (index, try await worker.read([input])[0]) }
            }
            var results: [Int: ReaderResult] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }
        #expect(reports.all.contains { $0.requests > 1 }, "no batch held more than one request: \(reports.all)")
        #expect(reports.all.allSatisfy { $0.windows <= 16 || $0.requests == 1 })
        #expect(reports.all.reduce(0) { $0 + $1.requests } == Self.inputs.count)
        let configuration = try EncoderConfiguration(contentsOf: Self.model.appendingPathComponent("config.json"))
        for (index, (input, options)) in Self.inputs.enumerated() {
            let alone = try reader.read(question: input.question, context: input.context, options: options)
            let together = try #require(batched[index])
            // The logits of a window may differ only by float32 rounding (another number of rows per product).
            var scoreTolerance = 0.0
            for (a, b) in zip(alone.windows, together.windows) {
                let tolerance = RoundingTolerance.encoder(configuration, tokens: a.startLogits.count)
                    .then(configuration.hiddenSize).absolute(around: a.startLogits + a.endLogits)
                for (x, y) in zip(a.startLogits + a.endLogits, b.startLogits + b.endLogits) {
                    #expect(abs(x - y) <= tolerance, "pair \(index): logit \(x) vs \(y), bound \(tolerance)")
                }
                // A score is P(start)·P(end), softmaxes of logits moved by at most δ: a relative 2δ each, 4δ in all.
                scoreTolerance = max(scoreTolerance, 4 * Double(tolerance))
            }
            #expect(alone.answers.map(\.answer) == together.answers.map(\.answer), "pair \(index)")
            #expect(alone.answers.map(\.start) == together.answers.map(\.start), "pair \(index)")
            #expect(alone.answers.map(\.end) == together.answers.map(\.end), "pair \(index)")
            for (a, b) in zip(alone.answers, together.answers) {
                #expect(abs(a.score - b.score) <= scoreTolerance * a.score, "pair \(index): \(a.score) vs \(b.score)")
            }
        }
    }

    @Test("a full queue refuses at once with overloaded; the waiting request is still answered")
    func boundedQueue() async throws {
        let worker = ModelWorker(reader: reader, maxBatch: 64, maxWait: .milliseconds(800), maxQueue: 1)
        defer { worker.stop() }
        let encoded = try reader.encode(Self.inputs[0].0, options: Self.inputs[0].1)
        let first = Task { try await worker.read([encoded]) }
        while worker.queueDepth == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: ServerError.overloaded(queued: 1)) { try await worker.read([encoded]) }
        #expect(try await first.value.count == 1)
    }

    @Test("a request cancelled while it waits is dropped: the model never reads it")
    func cancelledRequestIsDropped() async throws {
        let reports = Reports()
        let worker = ModelWorker(
            reader: reader, maxBatch: 64, maxWait: .milliseconds(600), maxQueue: 8, onBatch: reports.add)
        defer { worker.stop() }
        let encoded = try reader.encode(Self.inputs[1].0, options: Self.inputs[1].1)
        let dropped = Task { try await worker.read([encoded]) }
        while worker.queueDepth == 0 { try await Task.sleep(for: .milliseconds(5)) }
        dropped.cancel()
        await #expect(throws: CancellationError.self) { try await dropped.value }
        #expect(worker.queueDepth == 0)
        // The next request is read alone: the dropped one left nothing behind.
        _ = try await worker.read([encoded])
        #expect(reports.all.map(\.requests) == [1])
    }

    @Test("other work runs alone in queue order, and a stopped worker refuses new work")
    func workAndStop() async throws {
        let worker = ModelWorker(reader: reader, maxBatch: 4, maxWait: .zero, maxQueue: 8)
        #expect(try await worker.run { 41 + 1 } == 42)
        worker.stop()
        await #expect(throws: ServerError.shuttingDown) { try await worker.run { 0 } }
    }
}
