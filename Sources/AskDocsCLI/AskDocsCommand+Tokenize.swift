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

        @OptionGroup var model: ModelFolderOption

        @Option(name: .long, help: "Maximum window length in tokens for question/context pairs.")
        var maxLength: Int = 384

        @Option(name: .long, help: "Tokens shared by consecutive context windows.")
        var stride: Int = 128

        @Flag(name: .long, help: .hidden)
        var bench = false

        func validate() throws {
            guard maxLength > 0 else { throw ValidationError("--max-length must be positive.") }
            guard stride >= 0, stride < maxLength else {
                throw ValidationError("--stride must be at least 0 and less than --max-length.")
            }
        }

        func run() throws {
            let loadStart = Date()
            let loadCPUStart = Self.processCPUSeconds()
            let tokenizer = try CommandFailure.reporting {
                try TokenizerLoader.load(directory: model.folder())
            }
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let loadCPUSeconds = Self.processCPUSeconds() - loadCPUStart
            var inputs: [TokenizeInput] = []
            let output = JSONLinesWriter()
            try JSONLinesReader.standardInput.forEachLine { number, line in
                let input = try TokenizeInput(line: line, number: number)
                if bench {
                    inputs.append(input)
                } else {
                    // One line out per line in, as it comes: the command can serve as a pipe filter.
                    output.write(line: input.render(with: tokenizer, maxLength: maxLength, stride: stride))
                    output.flush()
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

    init(line: Data, number: Int) throws {
        guard JSONLinesReader.isObject(line) else { throw CommandFailure("line \(number): not a JSON object") }
        let fields = try? JSONLinesReader.decode(Fields.self, line: line)
        if let text = fields?.text {
            self = .text(text)
        } else if let question = fields?.question, let context = fields?.context {
            self = .pair(question: question, context: context)
        } else {
            throw CommandFailure("line \(number): expected {\"text\"} or {\"question\", \"context\"} strings")
        }
    }

    /// The fields a line may have; one of the wrong type counts as absent.
    private struct Fields: Decodable {
        var text: String?
        var question: String?
        var context: String?

        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try? container.decode(String.self, forKey: .text)
            question = try? container.decode(String.self, forKey: .question)
            context = try? container.decode(String.self, forKey: .context)
        }

        enum CodingKeys: String, CodingKey { case text, question, context }
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
