import Foundation
import Retrieval

extension RetrievalEvaluator {
    /// Loads SQuAD-format files as retrieval corpora, each named by its language (`xquad.de.json` → `de`), or by
    /// its file name when two files share a language.
    public static func corpora(files: [URL]) throws -> [(language: String, corpus: SQuADRetrievalCorpus)] {
        var corpora: [(language: String, corpus: SQuADRetrievalCorpus)] = []
        var names = Set<String>()
        for url in files {
            var language = language(ofFile: url)
            if !names.insert(language).inserted { language = url.lastPathComponent }
            corpora.append((language, try SQuADRetrievalCorpus(contentsOf: url)))
        }
        return corpora
    }
}
