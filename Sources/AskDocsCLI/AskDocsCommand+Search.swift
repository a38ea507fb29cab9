import ArgumentParser

extension AskDocsCommand {
    /// `askdocs search`: Find the chunks that best match a query (dense, BM25 or hybrid).
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Find the chunks that best match a query (dense, BM25 or hybrid). (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "search", issue: 7)
        }
    }
}
