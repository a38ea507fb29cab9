import Foundation

/// How many bytes `models pull` would download for a model, asked of the Hub, for the message that says a model is
/// missing. Best effort: nil offline, on any error, or when the Hub does not answer within the time given, so a
/// missing model is never reported later than the time limit.
public enum DownloadSize {
    /// The total size of the files `pull` selects for `model` at `revision`, or nil.
    public static func of(
        _ model: String, revision: String = "main", environment: HubEnvironment, within limit: Duration = .seconds(5)
    ) async -> Int64? {
        guard !environment.offline, HubCache.isModelID(model) else { return nil }
        return await withTaskGroup(of: Int64?.self) { group in
            group.addTask {
                try? await HubClient.with(environment) { client in
                    let info = try await client.repoInfo(model, revision: revision)
                    let files = try ModelFileSelection.select(info.siblings, repo: model)
                    let sizes = files.map { $0.lfs?.size ?? $0.size }
                    guard sizes.allSatisfy({ $0 != nil }) else { return nil }
                    return sizes.reduce(0) { $0 + ($1 ?? 0) }
                } ?? nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A byte count in B, kB, MB or GB (binary multiples), as every size AskDocs prints.
    public static func describe(_ bytes: Int64) -> String {
        let value = Double(bytes)
        if value >= 1_073_741_824 { return String(format: "%.2f GB", value / 1_073_741_824) }
        if value >= 1_048_576 { return String(format: "%.1f MB", value / 1_048_576) }
        if value >= 1024 { return String(format: "%.0f kB", value / 1024) }
        return "\(bytes) B"
    }
}
