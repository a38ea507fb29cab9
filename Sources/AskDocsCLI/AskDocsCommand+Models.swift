import ArgumentParser

extension AskDocsCommand {
    /// `askdocs models`: Download and list models in the Hugging Face cache.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "models",
            abstract: "Download and list models in the Hugging Face cache. (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "models", issue: nil)
        }
    }
}
