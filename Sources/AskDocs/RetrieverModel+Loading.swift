import DocumentStore
import Foundation
import Hub
import Transformer

extension RetrieverModel {
    /// Loads `model`, turning any failure into a `PipelineError` (`modelNotFound` or `unloadableModel`).
    public static func load(
        _ model: String, precision: Precision = .fp32, cache: HubCache = HubCache()
    ) throws(PipelineError) -> RetrieverModel {
        do {
            return try RetrieverModel(model, precision: precision, cache: cache)
        } catch let error as HubCacheError {
            throw .modelNotFound(model: model, reason: error.localizedDescription)
        } catch {
            throw .unloadableModel(model: model, reason: error.localizedDescription)
        }
    }

    /// The retriever a pipeline over `store` uses: the one `named`, else the one the database records, else
    /// `fallback` (nil: none).
    public static func name(
        named: String?, recordedIn store: DocumentStore,
        fallback: String? = Configuration.default.retrieverModel
    ) throws -> String? {
        try named ?? store.setting(setting) ?? fallback
    }
}

extension DocumentStore {
    /// Opens the database at `path`, which must exist (searching, checking and asking never create one).
    public static func openExisting(path: String) throws(PipelineError) -> DocumentStore {
        guard FileManager.default.fileExists(atPath: path) else { throw .noDatabase(path: path) }
        return try open(path: path)
    }

    /// Opens or creates the database at `path`.
    public static func open(path: String) throws(PipelineError) -> DocumentStore {
        do {
            return try DocumentStore(path: path)
        } catch {
            throw .unreadableDatabase(path: path, reason: error.localizedDescription)
        }
    }
}
