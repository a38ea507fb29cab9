import ArgumentParser

extension AskDocsCommand {
    /// `askdocs serve`: Serve the index over HTTP (Hugging Face Inference API compatible).
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the index over HTTP (Hugging Face Inference API compatible). (not implemented yet)"
        )

        @Argument(parsing: .allUnrecognized, help: .hidden)
        var arguments: [String] = []

        func run() async throws {
            throw NotImplemented(command: "serve", issue: nil)
        }
    }
}
