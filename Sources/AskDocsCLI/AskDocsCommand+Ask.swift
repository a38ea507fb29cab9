import ArgumentParser
import AskDocs
import DocumentStore
import Foundation
import Transformer

#if canImport(Glibc)
    import Glibc
#endif

extension AskDocsCommand {
    /// `askdocs ask`: Answer a question from the indexed documents, with its source.
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ask",
            abstract: "Answer a question from the indexed documents, with its source.",
            discussion: """
                Retrieves passages (hybrid search by default), reads them all with the reader and ranks the \
                answers across them, or says that the documents do not answer the question. Without a question \
                and without --questions, reads questions line by line from standard input (models load once). \
                --json prints the schema of the README's "Ask" section; --questions writes one such object per \
                line, with the input's "id".
                """
        )

        @Argument(help: "The question.")
        var question: String?

        @Option(
            help: ArgumentHelp(
                "Answer a JSON Lines file of {\"id\": …, \"question\": …} (- for standard input); prints one JSON "
                    + "line per question.",
                valueName: "file"))
        var questions: String?

        @Option(
            help: "Answers to show (default: ask.answers in askdocs.toml, else \(Configuration.default.answers)).")
        var answers: Int?

        @OptionGroup var reading: AskReadingOptions

        @Option(
            help: "The retriever (default: the one the database was built with, else retriever in askdocs.toml).")
        var retriever: String?

        @Option(
            name: .customLong("no-answer-boost"),
            help: ArgumentHelp(
                "Added to the reader's no-answer score; positive says \"no answer\" more often (default: "
                    + "ask.no_answer_boost in askdocs.toml, else 0)."))
        var noAnswerBoost: Float?

        @OptionGroup var filters: SearchFilterOptions

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @OptionGroup var precision: PrecisionOption

        @Flag(help: "Print JSON.")
        var json = false

        @Flag(help: "Print the seconds of each stage (load, search, read, rank) on standard error.")
        var verbose = false

        func validate() throws {
            if question != nil && questions != nil { throw ValidationError("give a question or --questions, not both") }
            if let answers, answers <= 0 { throw ValidationError("--answers must be positive") }
            if let noAnswerBoost, !noAnswerBoost.isFinite {
                throw ValidationError("--no-answer-boost must be a finite number")
            }
        }

        func run() async throws {
            let started = Date()
            // Before any model loads, and in one line (a validation error would add the usage).
            if let question, question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw CommandFailure(AskError.emptyQuestion)
            }
            let configuration = try config.resolve(
                ConfigurationOverrides(
                    databasePath: database.db, readerModel: reading.reader, passages: reading.passages,
                    answers: answers, mode: reading.mode,
                    noAnswerBoost: noAnswerBoost, precision: precision.precision))
            PrecisionOption.announce(configuration.precisions)
            let asker = try CommandFailure.reporting {
                try Asker.open(
                    database: configuration.databasePath, reader: configuration.readerModel, retriever: retriever,
                    dense: configuration.mode != .bm25, defaultRetriever: configuration.retrieverModel,
                    precisions: configuration.precisions)
            }
            if let notice = asker.searcher.notice(for: configuration.mode) { Self.log("note: \(notice)") }
            if verbose { Self.log(String(format: "load %.3f s", Date().timeIntervalSince(started))) }
            try answer(with: asker, configuration: configuration)
        }

        func answer(with asker: Asker, configuration: Configuration) throws {
            if let questions {
                try answerFile(questions, with: asker, configuration)
            } else if let question {
                let response = try asker.ask(request(question, configuration))
                report(response)
                print(
                    json
                        ? try Self.encode(response) : AnswerText(highlight: isatty(STDOUT_FILENO) == 1).render(response)
                )
            } else {
                try answerInteractively(with: asker, configuration)
            }
        }

        /// The request for `question`: the configured values (flags over askdocs.toml over the defaults).
        func request(_ question: String, _ configuration: Configuration) -> AskRequest {
            AskRequest(
                question: question, passages: configuration.passages, answers: configuration.answers,
                mode: configuration.mode, noAnswerBoost: configuration.noAnswerBoost, filter: filters.filter)
        }

        /// Questions line by line from standard input; a failing question is reported and the next one read.
        func answerInteractively(with asker: Asker, _ configuration: Configuration) throws {
            let terminal = isatty(STDIN_FILENO) == 1
            let printer = AnswerText(highlight: isatty(STDOUT_FILENO) == 1)
            while true {
                if terminal { FileHandle.standardError.write(Data("? ".utf8)) }
                guard let line = readLine() else { break }
                let question = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if question.isEmpty { continue }
                do {
                    let response = try asker.ask(request(question, configuration))
                    report(response)
                    print(json ? try Self.encode(response) : printer.render(response) + (terminal ? "\n" : ""))
                } catch {
                    Self.log("Error: \(error.localizedDescription)")
                }
                fflush(nil)  // answers appear as they are ready when piped
            }
        }

        /// `--questions`: one JSON line per input line, `{"id", "error"}` for a question that fails.
        func answerFile(_ path: String, with asker: Asker, _ configuration: Configuration) throws {
            struct Line: Decodable {
                var id: String?
                var question: String
                enum CodingKeys: CodingKey { case id, question }
                init(from decoder: any Decoder) throws {
                    let container = try decoder.container(keyedBy: CodingKeys.self)
                    question = try container.decode(String.self, forKey: .question)
                    if let text = try? container.decode(String.self, forKey: .id) {
                        id = text
                    } else {
                        id = try container.decodeIfPresent(Int.self, forKey: .id).map(String.init)
                    }
                }
            }
            /// A response (or a failure) with the input line's id, in one JSON object.
            struct Output: Encodable {
                var id: String?
                var question: String
                var result: Result<AskResponse, CommandFailure>
                enum CodingKeys: CodingKey { case id, question, error }
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(id, forKey: .id)
                    switch result {
                    case .success(let response): try response.encode(to: encoder)
                    case .failure(let failure):
                        try container.encode(question, forKey: .question)
                        try container.encode(failure.message, forKey: .error)
                    }
                }
            }
            let input = try JSONLinesReader(path: path)
            let output = JSONLinesWriter()
            defer { output.flush() }
            var failures = 0
            try input.forEachLine { number, line in
                guard let entry = try? JSONLinesReader.decode(Line.self, line: line) else {
                    throw CommandFailure("\(input.name) line \(number): expected {\"id\": …, \"question\": \"…\"}")
                }
                let result: Result<AskResponse, CommandFailure>
                do {
                    let response = try asker.ask(request(entry.question, configuration))
                    report(response)
                    result = .success(response)
                } catch {
                    failures += 1
                    result = .failure(CommandFailure(error.localizedDescription))
                }
                try output.write(Output(id: entry.id, question: entry.question, result: result))
            }
            if failures > 0 { throw CommandFailure("\(failures) question(s) failed; see their \"error\" lines") }
        }

        /// `--verbose`: the seconds of each stage on standard error.
        func report(_ response: AskResponse) {
            guard verbose else { return }
            let t = response.timings
            Self.log(
                String(
                    format: "embed %.3f s, search %.3f s, read %.3f s, rank %.3f s", t.embed, t.search, t.read, t.rank))
        }

        static func log(_ line: String) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }

        static func encode(_ response: AskResponse) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(response), as: UTF8.self)
        }
    }
}

/// The human form of an answer: text, probability, source and the sentence with the answer marked.
struct AnswerText {
    /// ANSI colour (a terminal) rather than [brackets] (a pipe).
    var highlight: Bool

    func render(_ response: AskResponse) -> String {
        guard response.answerable else {
            var line = String(format: "No answer (probability %.3f)", response.noAnswer.probability)
            if let best = response.bestCandidate {
                line += String(format: "; best candidate %@ (probability %.3f)", quoted(best.text), best.probability)
                line += "\n" + source(best)
            } else if response.passages.isEmpty {
                line += "; no passage matched"
            }
            return line
        }
        return response.answers.enumerated().map { index, answer in
            let number = response.answers.count > 1 ? "\(index + 1). " : ""
            return number + String(format: "%@  (probability %.3f)", answer.text, answer.probability) + "\n"
                + source(answer)
        }.joined(separator: "\n")
    }

    func source(_ answer: AskResponse.Answer) -> String {
        let title = answer.document.title.map { " — \($0)" } ?? ""
        return "   \(answer.document.path)\(title) [\(answer.start)..<\(answer.end)]\n   " + marked(answer.sentence)
    }

    func marked(_ sentence: AskResponse.Sentence) -> String {
        let scalars = Array(sentence.text.unicodeScalars)
        func text(_ range: Range<Int>) -> String {
            let lower = max(0, min(range.lowerBound, scalars.count))
            let upper = max(lower, min(range.upperBound, scalars.count))
            return String(String.UnicodeScalarView(scalars[lower..<upper]))
        }
        let before = text(0..<sentence.answerStart)
        let answer = text(sentence.answerStart..<sentence.answerEnd)
        let after = text(sentence.answerEnd..<scalars.count)
        let shown = highlight ? "\u{1B}[1;33m\(answer)\u{1B}[0m" : "[\(answer)]"
        return (before + shown + after).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    func quoted(_ text: String) -> String { "\"\(text)\"" }
}
