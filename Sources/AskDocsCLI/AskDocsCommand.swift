import ArgumentParser

/// The `askdocs` command: answers questions over your own documents, locally, with the answer's exact source.
@main
struct AskDocsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "askdocs",
        abstract: "Answer questions over your own documents, in any language, with the exact source.",
        version: "0.1.0",
        subcommands: [
            Index.self, Ask.self, Search.self, Read.self, Tokenize.self, Embed.self, Eval.self,
            Reindex.self, Check.self, Models.self, Serve.self, Train.self,
        ]
    )

    /// argument-parser's `main`, with a missing model's message completed by its download size before exiting.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: await CommandFailure.completed(error))
        }
    }
}
