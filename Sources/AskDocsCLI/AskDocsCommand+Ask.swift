import ArgumentParser

extension AskDocsCommand {
    /// `askdocs ask`: Answer a question from the indexed documents, with its source.
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ask",
            abstract: "Answer a question from the indexed documents, with its source. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "ask", issue: nil)
        }
    }
}
