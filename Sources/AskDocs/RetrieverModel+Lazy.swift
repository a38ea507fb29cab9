import Hub
import Transformer

/// A retriever loaded at its first use only: opening a searcher loads the model when the query is embedded or the
/// index's search terms come from its tokenizer, and once for both.
final class LazyRetriever {
    private let name: String
    private let precision: Precision
    private let cache: HubCache
    /// The model, once loaded.
    private(set) var model: RetrieverModel?

    init(_ name: String, precision: Precision, cache: HubCache) {
        self.name = name
        self.precision = precision
        self.cache = cache
    }

    /// The model, loading it the first time.
    func load() throws(PipelineError) -> RetrieverModel {
        if let model { return model }
        let loaded = try RetrieverModel.load(name, precision: precision, cache: cache)
        model = loaded
        return loaded
    }
}
