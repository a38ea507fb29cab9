import ArgumentParser
import AskDocs
import Foundation
import Reader
import Transformer

#if canImport(Glibc)
    import Glibc
#endif

extension AskDocsCommand {
    /// `askdocs read`: Extract the answer to a question from given passages with the reader model.
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read",
            abstract: "Extract the answer to a question from a context with the reader model.",
            discussion: """
                Reads like transformers' question-answering pipeline (4.57.6, fast tokenizer); the defaults are \
                the pipeline's, so without flags the answers are the pipeline's. Character offsets are Unicode \
                scalar (Python str) indices into the context.

                --json prints the pipeline's JSON (one object for one answer, else a list). \
                --input FILE.jsonl reads {"id", "question", "context"} per line ("-" = standard input) and \
                prints {"id", "answers": [{"answer", "score", "start", "end"}, ...]} per line; the windows of \
                many lines run through the model together in length-sorted batches of --batch-size windows.
                """
        )

        @OptionGroup var model: ModelFolderOption

        @Option(help: "The question.")
        var question: String?

        @Option(help: "The context to extract the answer from.")
        var context: String?

        @Option(help: "Read the context from this UTF-8 file.")
        var contextFile: String?

        @Option(help: "JSON Lines file of {\"id\", \"question\", \"context\"} (\"-\" = standard input).")
        var input: String?

        @Option(help: "Number of answers.")
        var topK: Int = 1

        @Option(help: "Context tokens shared by consecutive windows (default: min(max-seq-len / 2, 128)).")
        var docStride: Int?

        @Option(help: "Tokens per window, question and special tokens included (default: min(model max, 384)).")
        var maxSeqLen: Int?

        @Option(help: "Longest answer in tokens.")
        var maxAnswerLen: Int = 15

        @Option(help: "Accepted for pipeline compatibility; the pipeline ignores it with fast tokenizers.")
        var maxQuestionLen: Int = 64

        @Flag(help: "Let \"no answer\" (empty, score = null score) compete with the spans.")
        var handleImpossibleAnswer = false

        @Flag(name: .customLong("no-align-to-words"), help: "Keep token boundaries instead of whole words.")
        var noAlignToWords = false

        @Flag(help: "Also print each window's raw start/end logits (JSON; single question only).")
        var logits = false

        @OptionGroup var precision: PrecisionOption

        @OptionGroup var output: JSONOutputOption

        @Option(help: "Most windows per model batch.")
        var batchSize: Int = 8

        func validate() throws {
            if let input {
                guard question == nil, context == nil, contextFile == nil else {
                    throw ValidationError("--input cannot be combined with --question, --context or --context-file")
                }
                guard input == "-" || FileManager.default.fileExists(atPath: input) else {
                    throw ValidationError("no such input file: \(input)")
                }
                guard !logits else { throw ValidationError("--logits needs a single --question") }
            } else {
                guard let question else { throw ValidationError("give --question with --context, or --input") }
                guard !question.isEmpty else { throw ValidationError("--question is empty") }
                switch (context, contextFile) {
                case (nil, nil): throw ValidationError("give --context or --context-file")
                case (.some, .some): throw ValidationError("give either --context or --context-file, not both")
                case (.some(let text), nil) where text.isEmpty: throw ValidationError("--context is empty")
                case (nil, .some(let path)) where !FileManager.default.fileExists(atPath: path):
                    throw ValidationError("no such context file: \(path)")
                default: break
                }
            }
            guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
            guard maxAnswerLen >= 1 else { throw ValidationError("--max-answer-len must be at least 1") }
            guard maxQuestionLen >= 1 else { throw ValidationError("--max-question-len must be at least 1") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            if let maxSeqLen, maxSeqLen < 4 { throw ValidationError("--max-seq-len must be at least 4") }
            if let docStride {
                guard docStride >= 0 else { throw ValidationError("--doc-stride must be at least 0") }
                let window = maxSeqLen ?? 384
                guard docStride <= window else {
                    throw ValidationError("--doc-stride \(docStride) is larger than --max-seq-len \(window)")
                }
            }
        }

        /// The reader options the flags give.
        var options: ReaderOptions {
            ReaderOptions(
                maxSeqLen: maxSeqLen, docStride: docStride, maxQuestionLength: maxQuestionLen,
                pipeline: PipelineOptions(
                    topK: topK, handleImpossibleAnswer: handleImpossibleAnswer, maxAnswerLength: maxAnswerLen,
                    alignToWords: !noAlignToWords),
                batchSize: batchSize)
        }

        func run() async throws {
            let precisions = try precision.resolved()
            PrecisionOption.announce(ModelPrecisions(reader: precisions.reader, retriever: .fp32))
            let reader = try CommandFailure.reporting {
                try ExtractiveReader(directory: model.folder(), precision: precisions.reader)
            }
            if let input {
                try readLines(from: JSONLinesReader(path: input), with: reader)
                return
            }
            let text: String
            if let contextFile {
                guard let data = FileManager.default.contents(atPath: contextFile),
                    let decoded = String(data: data, encoding: .utf8)
                else { throw CommandFailure("cannot read \(contextFile) as UTF-8 text") }
                guard !decoded.isEmpty else { throw CommandFailure("context file \(contextFile) is empty") }
                text = decoded
            } else {
                text = context ?? ""
            }
            let result = try CommandFailure.reporting {
                try reader.read(question: question ?? "", context: text, options: options)
            }
            if output.json || logits {
                print(String(decoding: try result.output(includeLogits: logits).jsonData(), as: UTF8.self))
            } else {
                print(AnswerPrinter(context: text, highlight: isatty(STDOUT_FILENO) == 1).render(result.answers))
            }
        }

        /// `--input`: JSON Lines in, one `{"id","answers"}` line out per input line, in order.
        private func readLines(from input: JSONLinesReader, with reader: ExtractiveReader) throws {
            // Enough lines per model call for full, similar-length batches; bounded so memory stays flat.
            let chunkSize = max(64, batchSize * 16)
            let output = JSONLinesWriter()
            var pending: [ReadInputLine] = []
            func flush() throws {
                guard !pending.isEmpty else { return }
                let results: [ReaderResult]
                do {
                    results = try reader.read(pending.map(\.input), options: options)
                } catch {
                    guard case .inputFailed(let index, let reason) = error else { throw CommandFailure(error) }
                    throw CommandFailure("line \(pending[index].number): \(reason)")
                }
                for (line, result) in zip(pending, results) {
                    output.write(line: try ReaderBatchRecord(id: line.id, answers: result.answers).jsonLine())
                }
                output.flush()
                pending.removeAll(keepingCapacity: true)
            }
            try input.forEachLine { number, line in
                guard String(data: line, encoding: .utf8) != nil else {
                    throw CommandFailure("\(input.name) line \(number) is not UTF-8 text")
                }
                pending.append(try ReadInputLine(line: line, number: number))
                if pending.count >= chunkSize { try flush() }
            }
            try flush()
        }
    }
}

/// One `askdocs read --input` line.
struct ReadInputLine {
    var id: String
    var input: ReaderInput
    var number: Int

    /// Parsed with `JSONDecoder` (see `JSONLinesReader`: U+FEFF inside strings survives).
    init(line: Data, number: Int) throws {
        self.number = number
        let fields: Fields
        do {
            fields = try JSONLinesReader.decode(Fields.self, line: line)
        } catch {
            guard let key = Self.failingKey(error) else {
                throw CommandFailure(
                    "line \(number): "
                        + (JSONLinesReader.isObject(line)
                            ? #"expected {"id": string or integer, "question": string, "context": string}"#
                            : "not a JSON object"))
            }
            throw CommandFailure(
                "line \(number): \"\(key)\" must be \(key == "id" ? "a string or an integer" : "a string")")
        }
        guard let id = fields.id else { throw CommandFailure("line \(number): \"id\" is missing") }
        guard let question = fields.question, !question.isEmpty else {
            throw CommandFailure("line \(number): \"question\" must be a non-empty string")
        }
        guard let context = fields.context, !context.isEmpty else {
            throw CommandFailure("line \(number): \"context\" must be a non-empty string")
        }
        self.id = id.text
        input = ReaderInput(question: question, context: context)
    }

    /// The top-level key a decoding error is about, if any (nil: the line is not a JSON object).
    private static func failingKey(_ error: any Error) -> String? {
        let context: DecodingError.Context
        switch error as? DecodingError {
        case .typeMismatch(_, let found), .valueNotFound(_, let found), .dataCorrupted(let found): context = found
        default: return nil
        }
        return context.codingPath.first?.stringValue
    }

    private struct Fields: Decodable {
        var id: Identifier?
        var question: String?
        var context: String?
    }

    /// A string id, or an integer one written back as its decimal text.
    private struct Identifier: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else {
                text = String(try container.decode(Int.self))
            }
        }
    }
}

/// Human output of `askdocs read`: each answer with its score, character span and a snippet of the
/// context around it, the answer highlighted (bold on a terminal, «» otherwise).
struct AnswerPrinter {
    var context: String
    var highlight: Bool
    /// Characters of context shown on each side of the answer.
    var margin = 60

    func render(_ answers: [AnswerSpan]) -> String {
        guard !answers.isEmpty else { return "No answer found." }
        let scalars = Array(context.unicodeScalars)
        var lines: [String] = []
        for (rank, answer) in answers.enumerated() {
            let prefix = answers.count > 1 ? "\(rank + 1). " : ""
            let indent = String(repeating: " ", count: prefix.count)
            if answer.isNull {
                lines.append(prefix + "(no answer)")
                lines.append(indent + String(format: "score %.4f", answer.score))
                continue
            }
            lines.append(prefix + answer.answer.trimmingCharacters(in: .whitespacesAndNewlines))
            lines.append(
                indent + String(format: "score %.4f", answer.score) + "  characters \(answer.start)..<\(answer.end)")
            lines.append(indent + snippet(scalars, answer))
        }
        return lines.joined(separator: "\n")
    }

    private func snippet(_ scalars: [Unicode.Scalar], _ answer: AnswerSpan) -> String {
        let start = min(max(answer.start, 0), scalars.count)
        let end = min(max(answer.end, start), scalars.count)
        let from = max(0, start - margin)
        let to = min(scalars.count, end + margin)
        func text(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            // One line: newlines and tabs in the context become spaces.
            return String(view).map { $0.isNewline || $0 == "\t" ? " " : String($0) }.joined()
        }
        let (open, close) = highlight ? ("\u{1B}[1m", "\u{1B}[0m") : ("«", "»")
        return (from > 0 ? "…" : "") + text(from..<start) + open + text(start..<end) + close + text(end..<to)
            + (to < scalars.count ? "…" : "")
    }
}
