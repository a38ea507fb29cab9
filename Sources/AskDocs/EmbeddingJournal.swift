import Crypto
import Foundation
import Ingest
import Retrieval

/// The vectors a run has embedded and not yet published, kept on disk so a killed run resumes instead of
/// embedding them again.
///
/// A run publishes at checkpoints, but a checkpoint cannot split a document, and a rebuild (another retriever)
/// publishes once, at its end: a checkpoint would mix two models' vectors in one generation. Embedding one huge
/// file, or a whole corpus on rebuild, can take hours. It is therefore saved outside the published state, in this
/// append-only file in the vector folder: a header naming the model, then records of the SHA-256 of a passage's
/// text and its vector. Each record is appended and flushed as its batch is embedded; a record cut short by a
/// kill is ignored and overwritten. The next run with the same model takes the vectors of texts it finds here
/// instead of embedding them. Each publish empties the file, and the run's last one removes it.
final class EmbeddingJournal {
    // A class: one open file handle, appended to across batches.

    /// The file.
    let url: URL
    /// Vectors of the texts embedded so far, by the SHA-256 of the text.
    private var vectors: [Data: [Float]] = [:]
    private let dimension: Int
    private let headerSize: Int
    private let handle: FileHandle
    private var recordSize: Int { 32 + dimension * MemoryLayout<Float>.size }

    /// Opens (or creates) the journal of `identity`'s vectors, with `prompt` prepended to passages, in `folder`.
    init(folder: URL, identity: EmbeddingModelIdentity, dimension: Int, prompt: String) throws {
        self.dimension = dimension
        let header = Data("askdocs-embedding-journal 1\t\(identity)\t\(dimension)\t\(prompt)\n".utf8)
        headerSize = header.count
        let name = SHA256.hex(of: header).prefix(16)
        url = folder.appendingPathComponent("embedding-\(name).journal")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let existing = (try? Data(contentsOf: url)) ?? Data()
        var kept = 0
        if existing.starts(with: header) {
            kept = header.count
            let size = 32 + dimension * MemoryLayout<Float>.size
            while existing.count - kept >= size {
                let record = existing[existing.startIndex + kept..<existing.startIndex + kept + size]
                let key = Data(record.prefix(32))
                var vector = [Float](repeating: 0, count: dimension)
                // Records are not float-aligned in the file's bytes: copy rather than bind.
                vector.withUnsafeMutableBytes { _ = record.dropFirst(32).copyBytes(to: $0) }
                vectors[key] = vector
                kept += size
            }
        }
        if kept == 0 {
            // No journal, or one of another format: start it afresh.
            try header.write(to: url, options: .atomic)
            kept = header.count
        }
        handle = try FileHandle(forWritingTo: url)
        // A record cut short by a kill is dropped, so the next one lands on a record boundary.
        try handle.truncate(atOffset: UInt64(kept))
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Vectors journaled so far.
    var count: Int { vectors.count }

    /// The journaled vector of `text`, if any.
    func vector(for text: String) -> [Float]? {
        vectors[Self.key(text)]
    }

    /// Appends the vectors of `texts` and flushes them to disk (a kill loses at most the batch being embedded).
    func append(_ embedded: [[Float]], for texts: [String]) throws {
        var data = Data(capacity: texts.count * recordSize)
        for (text, vector) in zip(texts, embedded) where vector.count == dimension {
            let key = Self.key(text)
            data.append(key)
            vector.withUnsafeBytes { data.append(contentsOf: $0) }
            vectors[key] = vector
        }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    /// Empties the journal: its vectors are published.
    func reset() throws {
        try handle.truncate(atOffset: UInt64(headerSize))
        try handle.seekToEnd()
        try handle.synchronize()
        vectors = [:]
    }

    /// Deletes the journal (the run's last generation is published).
    func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    private static func key(_ text: String) -> Data {
        Data(SHA256.hash(data: Data(text.utf8)))
    }
}
