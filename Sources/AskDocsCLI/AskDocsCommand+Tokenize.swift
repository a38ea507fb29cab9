import ArgumentParser

extension AskDocsCommand {
    /// `askdocs tokenize`: Tokenize JSON Lines from standard input with a model's tokenizer.
    struct Tokenize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokenize",
            abstract: "Tokenize JSON Lines from standard input with a model's tokenizer. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "tokenize", issue: 3)
        }
    }
}
