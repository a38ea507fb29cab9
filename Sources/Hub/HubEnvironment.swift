import Foundation

/// Where and how AskDocs talks to the Hugging Face Hub, read from the same variables `huggingface_hub` reads.
public struct HubEnvironment: Sendable, Equatable {
    /// The Hub's base URL (`HF_ENDPOINT`, default `https://huggingface.co`), without a trailing slash.
    public var endpoint: String
    /// The access token (`HF_TOKEN`, else the token file `huggingface_hub` writes at login), if any.
    public var token: String?
    /// Whether the network must not be used (`HF_HUB_OFFLINE=1`): only the cache answers.
    public var offline: Bool
    /// The local cache downloads go into.
    public var cache: HubCache

    /// Explicit settings.
    public init(
        endpoint: String = HubEnvironment.defaultEndpoint, token: String? = nil, offline: Bool = false,
        cache: HubCache
    ) {
        self.endpoint = Self.trimmed(endpoint)
        self.token = token
        self.offline = offline
        self.cache = cache
    }

    /// The public Hub.
    public static let defaultEndpoint = "https://huggingface.co"

    /// The settings the environment names: `HF_ENDPOINT`, `HF_TOKEN` (or `$HF_TOKEN_PATH`, `$HF_HOME/token`,
    /// `~/.cache/huggingface/token`), `HF_HUB_OFFLINE`, and the cache of `HubCache(environment:)`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let value = { (name: String) -> String? in
            environment[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        endpoint = Self.trimmed(value("HF_ENDPOINT") ?? Self.defaultEndpoint)
        offline = ["1", "ON", "YES", "TRUE"].contains((value("HF_HUB_OFFLINE") ?? "").uppercased())
        cache = HubCache(environment: environment)
        if let token = value("HF_TOKEN") {
            self.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            let home = value("HOME") ?? NSHomeDirectory()
            let hfHome = value("HF_HOME") ?? (home + "/.cache/huggingface")
            let path = value("HF_TOKEN_PATH") ?? (hfHome + "/token")
            let text = (try? String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8)) ?? ""
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            self.token = token.isEmpty ? nil : token
        }
    }

    private static func trimmed(_ endpoint: String) -> String {
        var endpoint = endpoint.trimmingCharacters(in: .whitespaces)
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        return endpoint
    }
}
