import ArgumentParser
import Foundation
import Tokenizers

extension AskDocsCommand {
    /// `askdocs tokenize`: Tokenize JSON Lines from standard input with a model's tokenizer.
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokenize",
            abstract: "Tokenize JSON Lines from standard input with a model's tokenizer.",
            discussion: """
                Each input line is {"text": …} or {"question": …, "context": …}. Output, one line per input:
                {"ids", "offsets", "tokens"} for a text (special tokens included, their offsets [0,0]); for a pair
                {"windows": [{"ids", "offsets", "sequence_ids", "tokens"}, …]}, the context split into overlapping
                windows like the question-answering pipeline. Offsets are Unicode scalar (Python str) indices.
                """
        )

        @Option(name: .long, help: "Model directory with tokenizer.json or sentencepiece.bpe.model.")
        var model: String

        @Option(name: .long, help: "Maximum window length in tokens for question/context pairs.")
        var maxLength: Int = 384

        @Option(name: .long, help: "Tokens shared by consecutive context windows.")
        var stride: Int = 128

        @Flag(name: .long, help: .hidden)
        var bench = false

        func validate() throws {
            try ModelFolderOption.validate(model)
            guard maxLength > 0 else { throw ValidationError("--max-length must be positive.") }
            guard stride >= 0, stride < maxLength else {
                throw ValidationError("--stride must be at least 0 and less than --max-length.")
            }
        }

        func run() throws {
            let loadStart = Date()
            let loadCPUStart = Self.processCPUSeconds()
            let tokenizer = try TokenizerLoader.load(directory: URL(fileURLWithPath: model))
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let loadCPUSeconds = Self.processCPUSeconds() - loadCPUStart
            var inputs: [TokenizeInput] = []
            var lineNumber = 0
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                if line.allSatisfy(\.isWhitespace) { continue }
                inputs.append(try TokenizeInput(line: line, number: lineNumber))
                if !bench {
                    FileHandle.standardOutput.write(
                        Data(
                            (inputs.removeLast().render(with: tokenizer, maxLength: maxLength, stride: stride) + "\n")
                                .utf8))
                }
            }
            if bench { runBenchmark(tokenizer, inputs, loadSeconds: loadSeconds, loadCPUSeconds: loadCPUSeconds) }
        }

        /// CPU time of this process: robust to other processes competing for the cores, unlike wall time.
        private static func processCPUSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }

        /// Times single-threaded encoding of every text (questions and contexts alone, no special tokens).
        private func runBenchmark(
            _ tokenizer: any Tokenizer, _ inputs: [TokenizeInput], loadSeconds: Double, loadCPUSeconds: Double
        ) {
            let texts = inputs.flatMap(\.texts)
            var tokens = 0
            let start = Date()
            let cpuStart = Self.processCPUSeconds()
            for text in texts { tokens += tokenizer.encode(text, addSpecialTokens: false).count }
            let seconds = Date().timeIntervalSince(start)
            let cpuSeconds = Self.processCPUSeconds() - cpuStart
            print(
                "{\"texts\":\(texts.count),\"tokens\":\(tokens),\"seconds\":\(seconds),\"cpu_seconds\":\(cpuSeconds),"
                    + "\"tokens_per_second\":\(Double(tokens) / seconds),\"load_seconds\":\(loadSeconds),"
                    + "\"load_cpu_seconds\":\(loadCPUSeconds)}")
        }
    }
}

/// One input line of `askdocs tokenize`.
enum TokenizeInput {
    case text(String)
    case pair(question: String, context: String)

    /// The line's error names its number, so a bad line in a large file can be found.
    struct LineError: Error, CustomStringConvertible {
        let number: Int
        let reason: String
        var description: String { "line \(number): \(reason)" }
    }

    init(line: String, number: Int) throws {
        // The package's own JSON reader: Foundation's JSONSerialization drops a leading U+FEFF inside strings,
        // which would shift every offset of such a text by one.
        guard let object = try? JSONValue.parse(Data(line.utf8)), object.objectValue != nil else {
            throw LineError(number: number, reason: "not a JSON object")
        }
        if let text = object["text"]?.stringValue {
            self = .text(text)
        } else if let question = object["question"]?.stringValue, let context = object["context"]?.stringValue {
            self = .pair(question: question, context: context)
        } else {
            throw LineError(number: number, reason: "expected {\"text\"} or {\"question\", \"context\"} strings")
        }
    }

    var texts: [String] {
        switch self {
        case .text(let text): [text]
        case .pair(let question, let context): [question, context]
        }
    }

    func render(with tokenizer: any Tokenizer, maxLength: Int, stride: Int) -> String {
        switch self {
        case .text(let text):
            let encoding = tokenizer.encode(text, addSpecialTokens: true)
            return "{" + Self.fields(encoding, sequenceIds: false) + "}"
        case .pair(let question, let context):
            let windows = tokenizer.encodePair(question, context, maxLength: maxLength, stride: stride)
            return "{\"windows\":["
                + windows.map { "{" + Self.fields($0, sequenceIds: true) + "}" }.joined(separator: ",") + "]}"
        }
    }

    private static func fields(_ e: Encoding, sequenceIds: Bool) -> String {
        var out = "\"ids\":[" + e.ids.map(String.init).joined(separator: ",") + "]"
        out += ",\"offsets\":[" + e.offsets.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",") + "]"
        if sequenceIds {
            out +=
                ",\"sequence_ids\":[" + e.sequenceIds.map { $0.map(String.init) ?? "null" }.joined(separator: ",") + "]"
        }
        out += ",\"tokens\":[" + e.tokens.map(jsonString).joined(separator: ",") + "]"
        return out
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
