import ArgumentParser

extension AskDocsCommand {
    /// `askdocs reindex`: Bring the index up to date with changed, added and removed files.
    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reindex",
            abstract: "Bring the index up to date with changed, added and removed files. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "reindex", issue: nil)
        }
    }
}
