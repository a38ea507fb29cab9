import Foundation
import Hub

/// What a user needs to know when a model they named is not on this machine: which id `models pull` fetches,
/// and how large that download is (asked of the Hub, best effort).
public enum MissingModel {
    /// The Hugging Face id a missing-model error is about, or nil when `error` is not one (or names a folder).
    public static func modelID(in error: any Error) -> String? {
        let model: String
        switch error {
        case HubCacheError.notAvailable(let name, _): model = name
        case AskError.readerNotAvailable(let name, _), AskError.retrieverMissing(let name, _): model = name
        case PipelineError.modelNotFound(let name, _): model = name
        default: return nil
        }
        return HubCache.isModelID(model) ? model : nil
    }

    /// A note giving the download size of the model `error` says is missing, or nil when it is not such an error,
    /// the Hub is offline or does not answer within `limit`.
    public static func sizeNote(
        for error: any Error, environment: HubEnvironment = HubEnvironment(), within limit: Duration = .seconds(5)
    ) async -> String? {
        guard let model = modelID(in: error),
            let bytes = await DownloadSize.of(model, environment: environment, within: limit)
        else { return nil }
        return " (\(model) is a \(DownloadSize.describe(bytes)) download)"
    }
}
