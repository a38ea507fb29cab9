import ArgumentParser

extension AskDocsCommand {
    /// `askdocs read`: Extract the answer to a question from given passages with the reader model.
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read",
            abstract:
                "Extract the answer to a question from given passages with the reader model. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "read", issue: 5)
        }
    }
}
