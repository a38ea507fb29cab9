import ArgumentParser
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

        @Option(
            name: .long, help: "Model directory (Hugging Face folder or cache entry) of a sentence-embedding model.")
        var model: String

        @Option(name: .long, help: "A prompt named in the model's prompts map, e.g. query or passage.")
        var promptName: String?

        @Option(name: .long, help: "A literal prefix for every text, e.g. \"query: \".")
        var prompt: String?

        @Option(name: .long, help: "Texts per forward pass.")
        var batchSize: Int = 32

        func validate() throws {
            try ModelFolderOption.validate(model)
            guard promptName == nil || prompt == nil else {
                throw ValidationError("Pass either --prompt-name or --prompt, not both.")
            }
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
        }

        func run() throws {
            let embedder = try TextEmbedder(directory: ModelDirectory(path: model))
            let prefix = try promptName.map(embedder.prompt(named:)) ?? prompt ?? ""
            // Read a few batches at a time so output streams and memory stays bounded on large inputs.
            let chunkSize = batchSize * 8
            var texts: [String] = []
            var lineNumber = 0
            func flush() throws {
                guard !texts.isEmpty else { return }
                let vectors = try embedder.embed(texts, prompt: prefix, batchSize: batchSize)
                var output = ""
                for vector in vectors {
                    output += "{\"embedding\":[" + vector.map { "\($0)" }.joined(separator: ",") + "]}\n"
                }
                FileHandle.standardOutput.write(Data(output.utf8))
                texts.removeAll(keepingCapacity: true)
            }
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                if line.allSatisfy(\.isWhitespace) { continue }
                texts.append(try EmbedInput.text(ofLine: line, number: lineNumber))
                if texts.count == chunkSize { try flush() }
            }
            try flush()
        }
    }
}

/// One input line of `askdocs embed`: `{"text": …}`.
enum EmbedInput {
    private struct Line: Decodable { var text: String }

    /// The line's text, or an error naming the line.
    static func text(ofLine line: String, number: Int) throws -> String {
        do {
            return try JSONDecoder().decode(Line.self, from: Data(line.utf8)).text
        } catch {
            throw ValidationError("line \(number): expected a JSON object with a string \"text\" field")
        }
    }
}
