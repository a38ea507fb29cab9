import ArgumentParser
import AskDocs
import Foundation
import Retrieval
import Transformer

extension AskDocsCommand {
    /// `askdocs embed`: embeds JSON Lines of text from standard input with a sentence-embedding model.
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embed",
            abstract: "Embed JSON Lines of text from standard input with a sentence-embedding model.",
            discussion: """
                Each input line is {"text": …}; each output line is {"embedding": […]}, in input order. Inputs are
                embedded in dynamically padded batches. Named prompts come from the model's
                config_sentence_transformers.json (multilingual-e5: query, passage); without one the text is
                embedded as given.
                """
        )

        @OptionGroup var model: ModelFolderOption

        @OptionGroup var precision: PrecisionOption

        @Option(name: .long, help: "A prompt named in the model's prompts map, e.g. query or passage.")
        var promptName: String?

        @Option(name: .long, help: "A literal prefix for every text, e.g. \"query: \".")
        var prompt: String?

        @Option(name: .long, help: "Texts per forward pass.")
        var batchSize: Int = 32

        func validate() throws {
            guard promptName == nil || prompt == nil else {
                throw ValidationError("Pass either --prompt-name or --prompt, not both.")
            }
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
        }

        func run() throws {
            let precisions = try precision.resolved()
            PrecisionOption.announce(ModelPrecisions(reader: .fp32, retriever: precisions.retriever))
            let (embedder, prefix) = try CommandFailure.reporting {
                let embedder = try TextEmbedder(
                    directory: ModelDirectory(path: model.folder().path), precision: precisions.retriever)
                return (embedder, try promptName.map(embedder.prompt(named:)) ?? prompt ?? "")
            }
            // A few batches at a time, so output streams and memory stays bounded on large inputs.
            let chunkSize = batchSize * 8
            let input = JSONLinesReader.standardInput
            let output = JSONLinesWriter()
            var texts: [String] = []
            func flush() throws {
                guard !texts.isEmpty else { return }
                let vectors = try CommandFailure.reporting {
                    try embedder.embed(texts, prompt: prefix, batchSize: batchSize)
                }
                for vector in vectors {
                    output.write(line: "{\"embedding\":[" + vector.map { "\($0)" }.joined(separator: ",") + "]}")
                }
                output.flush()
                texts.removeAll(keepingCapacity: true)
            }
            try input.forEachLine { number, line in
                texts.append(try EmbedInput.text(ofLine: line, number: number))
                if texts.count == chunkSize { try flush() }
            }
            try flush()
        }
    }
}

/// One input line of `askdocs embed`: `{"text": …}`.
enum EmbedInput {
    private struct Line: Decodable { var text: String }

    /// The line's text, or a one-line error naming the line.
    static func text(ofLine line: Data, number: Int) throws -> String {
        do {
            return try JSONLinesReader.decode(Line.self, line: line).text
        } catch {
            throw CommandFailure("line \(number): expected a JSON object with a string \"text\" field")
        }
    }
}
