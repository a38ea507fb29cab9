import Foundation
import ZIPFoundation

/// The parts of a ZIP-based document (DOCX, ODT, EPUB), read with ZIPFoundation, with every part's
/// size bounded so a small archive cannot expand into all of memory.
struct ZIPContainer {
    private let archive: Archive
    /// What the archive is, for messages ("DOCX", "EPUB").
    let kind: String
    /// Bytes one part, and all parts together, may expand to.
    let limit: Int
    private var expanded = 0

    /// Opens `data`; a truncated or damaged archive throws one line.
    init(_ data: Data, kind: String, limit: Int) throws {
        // Read from a private file, not ZIPFoundation's in-memory file: its reads trap ("Range requires lowerBound
        // <= upperBound") when an entry's offsets point past the end of the data, where a file read ends cleanly
        // and becomes an error (fuzzing found it: Tests/IngestTests/Fixtures/damaged-offsets.docx).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-zip-\(UUID().uuidString)")
        do {
            try data.write(to: file)
        } catch {
            throw IngestError.damagedArchive(
                "cannot stage the \(kind) archive for reading: \(error.localizedDescription)")
        }
        // The open archive keeps its descriptor; the name can go at once.
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            archive = try Archive(url: file, accessMode: .read)
        } catch {
            throw IngestError.damagedArchive("not a readable \(kind) (ZIP archive truncated or damaged)")
        }
        self.kind = kind
        self.limit = limit
    }

    /// The bytes of the part at `path`; throws when it is missing or damaged.
    mutating func part(_ path: String) throws -> Data {
        guard let data = try optionalPart(path) else { throw IngestError.damagedArchive("\(kind) without \(path)") }
        return data
    }

    /// The bytes of the part at `path`, nil when there is none; throws when it is damaged or too large.
    mutating func optionalPart(_ path: String) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        let remaining = limit - expanded
        guard entry.uncompressedSize <= UInt64(max(0, remaining)) else {
            throw IngestError.decompressedTooLarge(limit: limit)
        }
        var data = Data()
        let limit = limit
        do {
            _ = try archive.extract(entry) { chunk in
                // The declared size can lie; the bytes that come out are what counts.
                guard data.count + chunk.count <= remaining else {
                    throw IngestError.decompressedTooLarge(limit: limit)
                }
                data.append(chunk)
            }
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError.damagedArchive("\(kind) part \(path) is damaged (\(error))")
        }
        expanded += data.count
        return data
    }
}
