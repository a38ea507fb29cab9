import ArgumentParser

extension AskDocsCommand {
    /// `askdocs eval`: Evaluate the reader (SQuAD metrics) or the retriever (Recall@k, MRR).
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Evaluate the reader (SQuAD metrics) or the retriever (Recall@k, MRR).",
            subcommands: [Squad.self, Retrieval.self, Ask.self]
        )
    }
}
