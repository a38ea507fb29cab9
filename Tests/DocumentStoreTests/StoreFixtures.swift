import Foundation

@testable import DocumentStore

/// Small documents and chunks for store tests. Chunk texts are laid out one after the other with a space between.
enum StoreFixtures {
    static func document(
        _ path: String, key: String? = nil, hash: String = "h1", language: String? = "en", modified: Double = 1000,
        text: String? = nil
    ) -> NewDocument {
        NewDocument(
            key: key ?? path, sourcePath: path, contentHash: hash, size: 10,
            modifiedAt: Date(timeIntervalSince1970: modified),
            format: "text", language: language, script: "Latin", title: "Title of \(path)", text: text ?? "")
    }

    /// Chunks whose terms are their words, with offsets into `texts.joined(separator: " ")`.
    static func chunks(_ texts: [String]) -> [NewChunk] {
        var offset = 0
        return texts.enumerated().map { ordinal, text in
            let count = text.unicodeScalars.count
            defer { offset += count + 1 }
            return NewChunk(
                ordinal: ordinal, text: text, startOffset: offset, endOffset: offset + count, tokenCount: count,
                terms: text)
        }
    }

    /// A document whose text is the chunks joined, so offsets slice back.
    static func entry(
        _ path: String, _ texts: [String], key: String? = nil, hash: String = "h1", language: String? = "en",
        modified: Double = 1000
    ) -> (document: NewDocument, chunks: [NewChunk]) {
        (
            document(
                path, key: key, hash: hash, language: language, modified: modified, text: texts.joined(separator: " ")),
            chunks(texts)
        )
    }
}
