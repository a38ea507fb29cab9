// Hidden tool behind scripts/bench/engine.sh and scripts/bench/engine_parity_full.sh (not shipped).
//
//   TransformerBench speed <model-dir> --batch N --length L --iterations K [--blas-threads T] [--precision P]
//   TransformerBench embed-query <e5-dir> [--iterations K] [--precision P] [--query TEXT]
//   TransformerBench parity <model-dir> <reference.json> [--batch N] [--precision P]
//   TransformerBench agreement <model-dir> --precision P [--windows N] [--length L]
import Foundation
import Retrieval
import Transformer

struct Usage: Error, CustomStringConvertible {
    var description: String
}

func option(_ name: String, _ arguments: [String], default value: Int) throws -> Int {
    guard let index = arguments.firstIndex(of: name) else { return value }
    guard index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        throw Usage(description: "\(name) needs an integer")
    }
    return parsed
}

/// CPU seconds (user + system, all threads) this process has used so far.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Deterministic ids inside the vocabulary, framed like an XLM-R window (<s> … </s>).
func syntheticBatch(count: Int, length: Int, vocabulary: Int) -> [[Int32]] {
    var state: UInt64 = 42
    return (0..<count).map { _ in
        (0..<length).map { position in
            if position == 0 { return 0 }
            if position == length - 1 { return 2 }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32(5 + Int(state >> 33) % (vocabulary - 5))
        }
    }
}

/// `--precision fp32|bf16|int8` (default fp32).
func precision(_ arguments: [String]) throws -> Precision {
    guard let index = arguments.firstIndex(of: "--precision") else { return .fp32 }
    guard index + 1 < arguments.count, let parsed = Precision(rawValue: arguments[index + 1]) else {
        throw Usage(description: "--precision needs one of \(Precision.names)")
    }
    return parsed
}

/// Peak resident memory of this process so far, in MiB (VmHWM).
func peakResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib / 1024
}

/// One query's embedding time (tokenize, encode, pool, normalise) through the embedder `search` uses.
func embedQuery(_ arguments: [String]) throws {
    guard arguments.count >= 1 else { throw Usage(description: "embed-query <e5-dir> [--iterations K]") }
    let iterations = try option("--iterations", arguments, default: 50)
    let precision = try precision(arguments)
    let embedder = try TextEmbedder(directory: ModelDirectory(path: arguments[0]), precision: precision)
    let query =
        arguments.firstIndex(of: "--query").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        ?? "how many languages does the model read?"
    for _ in 0..<5 { _ = try embedder.embed([query], prompt: "query: ") }
    var times: [Double] = []
    for _ in 0..<max(iterations, 1) {
        times.append(try seconds { _ = try embedder.embed([query], prompt: "query: ") } * 1000)
    }
    times.sort()
    print(
        "{\"engine\":\"swift\",\"task\":\"query-embedding\",\"precision\":\"\(precision)\","
            + "\"iterations\":\(times.count),\"median_ms\":\(times[times.count / 2]),\"best_ms\":\(times[0]),\"peak_rss_mib\":\(peakResidentMiB())}"
    )
}

func speed(_ arguments: [String]) throws {
    guard arguments.count >= 1 else {
        throw Usage(description: "speed <model-dir> [--batch N] [--length L] [--iterations K]")
    }
    let blasThreads = try option("--blas-threads", arguments, default: 0)
    let batch = try option("--batch", arguments, default: 1)
    let length = try option("--length", arguments, default: 384)
    let iterations = try option("--iterations", arguments, default: 3)
    let precision = try precision(arguments)
    var model: QuestionAnsweringModel?
    let load = try seconds {
        model = try QuestionAnsweringModel(directory: ModelDirectory(path: arguments[0]), precision: precision)
    }
    guard let model else { return }
    // Default: the engine's own parallelism (OpenBLAS at 1 thread); --blas-threads N hands threading to OpenBLAS.
    if blasThreads > 0 { BLASInfo.setThreadCount(blasThreads) }
    let inputs = syntheticBatch(count: batch, length: length, vocabulary: model.encoder.configuration.vocabSize)
    _ = try model.logits(for: inputs, maxBatchSize: batch)  // warm-up: pages in the weights
    var best = Double.infinity
    var total = 0.0
    let cpuStart = cpuSeconds()
    for _ in 0..<iterations {
        let time = try seconds { _ = try model.logits(for: inputs, maxBatchSize: batch) }
        best = min(best, time)
        total += time
    }
    let mean = total / Double(iterations)
    let cpu = (cpuSeconds() - cpuStart) / Double(iterations)
    print(
        "{\"engine\":\"swift\",\"precision\":\"\(precision)\",\"core\":\"\(BLASInfo.coreName)\","
            + "\"blas_threads\":\(BLASInfo.threadCount),"
            + "\"cores\":\(ProcessInfo.processInfo.activeProcessorCount),"
            + "\"batch\":\(batch),\"length\":\(length),\"load_s\":\(load),\"mean_s\":\(mean),\"best_s\":\(best),\"cpu_s\":\(cpu),"
            + "\"sequences_per_s\":\(Double(batch) / mean),\"peak_rss_mib\":\(peakResidentMiB())}")
}

struct Reference: Decodable {
    let ids: [Int32]
    let start: [Float]
    let end: [Float]
}

func parity(_ arguments: [String]) throws {
    guard arguments.count >= 2 else { throw Usage(description: "parity <model-dir> <reference.json> [--batch N]") }
    let batch = try option("--batch", arguments, default: 4)
    let model = try QuestionAnsweringModel(
        directory: ModelDirectory(path: arguments[0]), precision: try precision(arguments))
    let references = try JSONDecoder().decode(
        [Reference].self, from: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
    var results: [SpanLogits] = []
    let time = try seconds { results = try model.logits(for: references.map(\.ids), maxBatchSize: batch) }
    var worst: Float = 0
    var worstRelative: Float = 0
    for (result, reference) in zip(results, references) {
        for (ours, theirs) in zip(result.start + result.end, reference.start + reference.end) {
            worst = max(worst, abs(ours - theirs))
            worstRelative = max(worstRelative, abs(ours - theirs) / max(abs(theirs), 1))
        }
    }
    let scale = references.flatMap { $0.start + $0.end }.map(abs).max() ?? 0
    print(
        "{\"windows\":\(references.count),\"batch\":\(batch),\"max_abs_diff\":\(worst),\"max_rel_diff\":\(worstRelative),"
            + "\"max_abs_logit\":\(scale),\"seconds\":\(time)}")
}

/// Start/end argmax agreement and logit error of a precision against fp32 on synthetic windows, for
/// scripts/bench/precision_quality.sh: both models load (fp32 first, freed before the other runs).
func agreement(_ arguments: [String]) throws {
    guard arguments.count >= 1 else { throw Usage(description: "agreement <model-dir> --precision P [--windows N]") }
    let windows = try option("--windows", arguments, default: 4)
    let length = try option("--length", arguments, default: 384)
    let precision = try precision(arguments)
    let directory = try ModelDirectory(path: arguments[0])
    var inputs: [[Int32]] = []
    func fp32Logits() throws -> [SpanLogits] {  // the fp32 model is freed on return
        let model = try QuestionAnsweringModel(directory: directory)
        inputs = syntheticBatch(count: windows, length: length, vocabulary: model.encoder.configuration.vocabSize)
        return try model.logits(for: inputs, maxBatchSize: 2)
    }
    let reference = try fp32Logits()
    let results = try QuestionAnsweringModel(directory: directory, precision: precision)
        .logits(for: inputs, maxBatchSize: 2)
    func argmax(_ values: [Float]) -> Int { values.indices.max { values[$0] < values[$1] } ?? 0 }
    var (start, end, difference, norm) = (0, 0, 0.0, 0.0)
    for (got, want) in zip(results, reference) {
        if argmax(got.start) == argmax(want.start) { start += 1 }
        if argmax(got.end) == argmax(want.end) { end += 1 }
        for (x, y) in zip(got.start + got.end, want.start + want.end) {
            difference += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
    }
    print(
        "{\"precision\":\"\(precision)\",\"windows\":\(windows),\"tokens\":\(length),"
            + "\"start_agreement\":\(Double(start) / Double(windows)),\"end_agreement\":\(Double(end) / Double(windows)),"
            + "\"relative_error\":\((difference / norm).squareRoot())}")
}

do {
    let arguments = Array(CommandLine.arguments.dropFirst())
    switch arguments.first {
    case "speed": try speed(Array(arguments.dropFirst()))
    case "parity": try parity(Array(arguments.dropFirst()))
    case "embed-query": try embedQuery(Array(arguments.dropFirst()))
    case "agreement": try agreement(Array(arguments.dropFirst()))
    default: throw Usage(description: "usage: TransformerBench speed|embed-query|parity|agreement …")
    }
} catch {
    FileHandle.standardError.write(
        Data("error: \((error as? any LocalizedError)?.errorDescription ?? "\(error)")\n".utf8))
    exit(1)
}
