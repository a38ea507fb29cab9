import ArgumentParser

extension AskDocsCommand {
    /// `askdocs check`: Verify that the database and the vector index agree.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify that the database and the vector index agree. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "check", issue: 7)
        }
    }
}
