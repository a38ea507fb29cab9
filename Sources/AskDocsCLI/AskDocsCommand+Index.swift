import ArgumentParser

extension AskDocsCommand {
    /// `askdocs index`: Read documents, split them into chunks and store them in the index.
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Read documents, split them into chunks and store them in the index. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "index", issue: 6)
        }
    }
}
