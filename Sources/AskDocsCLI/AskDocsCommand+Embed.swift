import ArgumentParser

extension AskDocsCommand {
    /// `askdocs embed`: Embed JSON Lines of text from standard input with a sentence-embedding model.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embed",
            abstract:
                "Embed JSON Lines of text from standard input with a sentence-embedding model. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "embed", issue: 4)
        }
    }
}
