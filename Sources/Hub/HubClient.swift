import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The Hub's HTTP endpoints AskDocs uses, over async-http-client: repo info at a revision, file metadata (`HEAD`
/// on `resolve/`), and file content. Redirects are followed by hand, as `huggingface_hub` does: `HEAD` follows
/// only relative ones (renamed repos) and reports an LFS file's `Location`; the token never leaves the Hub's host.
public struct HubClient: Sendable {
    /// The Hub endpoint and token.
    public let environment: HubEnvironment
    let http: HTTPClient

    /// Runs `body` with a client whose connections are closed afterwards.
    public static func with<Result: Sendable>(
        _ environment: HubEnvironment, _ body: (HubClient) async throws -> Result
    ) async throws -> Result {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let client = HubClient(environment: environment, http: http)
        do {
            let result = try await body(client)
            try? await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The commit `revision` of `repo` resolves to, and the files there with their sizes and hashes.
    public func repoInfo(_ repo: String, revision: String) async throws -> HubRepoInfo {
        let url =
            "\(environment.endpoint)/api/models/\(repo)/revision/\(Self.encode(revision, keepSlash: false))"
            + "?blobs=true"
        let response = try await send(.GET, url)
        try check(response, url: url, repo: repo, revision: revision, file: nil)
        let body = try await collect(response, url: url)
        do {
            return try JSONDecoder().decode(HubRepoInfo.self, from: body)
        } catch {
            throw HubError.badResponse(url: url, status: Int(response.status.code), message: "unreadable repo info")
        }
    }

    /// What the Hub says about `file` of `repo` at `commit`: its blob name (ETag), size and download location.
    func metadata(_ file: String, of repo: String, commit: String) async throws -> HubFileMetadata {
        var url = "\(environment.endpoint)/\(repo)/resolve/\(commit)/\(Self.encode(file, keepSlash: true))"
        for _ in 0..<5 {
            let response = try await send(.HEAD, url, headers: [("Accept-Encoding", "identity")])
            let status = Int(response.status.code)
            if (300..<400).contains(status), let location = response.headers.first(name: "Location"),
                location.hasPrefix("/")
            {
                url = Self.origin(of: url) + location
                continue
            }
            if !(300..<400).contains(status) {
                try check(response, url: url, repo: repo, revision: commit, file: file)
            }
            let headers = response.headers
            guard let etag = (headers.first(name: "X-Linked-Etag") ?? headers.first(name: "ETag")).map(Self.normalize)
            else {
                throw HubError.badResponse(url: url, status: status, message: "no ETag for \(file)")
            }
            let size = (headers.first(name: "X-Linked-Size") ?? headers.first(name: "Content-Length"))
                .flatMap { Int64($0) }
            return HubFileMetadata(
                commit: headers.first(name: "X-Repo-Commit") ?? commit, etag: etag, size: size,
                location: headers.first(name: "Location") ?? url)
        }
        throw HubError.badResponse(url: url, status: 310, message: "too many redirects")
    }

    /// Sends one request (with the token when it goes to the Hub's own host); transport failures become
    /// `HubError.noNetwork`.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], deadline: TimeAmount = .seconds(60)
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "askdocs; hf_hub-compatible")
        if let token = environment.token, Self.origin(of: url) == Self.origin(of: environment.endpoint) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            return try await http.execute(request, timeout: deadline)
        } catch {
            throw HubError.noNetwork(endpoint: environment.endpoint, reason: Self.describe(error))
        }
    }

    /// Throws the typed error for a failed response (reading the Hub's `X-Error-Code`).
    func check(_ response: HTTPClientResponse, url: String, repo: String, revision: String, file: String?) throws {
        let status = Int(response.status.code)
        guard !(200..<300).contains(status) else { return }
        let code = response.headers.first(name: "X-Error-Code") ?? ""
        switch (status, code) {
        case (_, "RepoNotFound") where status != 403:
            throw HubError.repoNotFound(repo: repo)
        case (404, "RevisionNotFound"):
            throw HubError.revisionNotFound(repo: repo, revision: revision)
        case (404, "EntryNotFound"):
            throw HubError.fileNotFound(repo: repo, file: file ?? url, commit: revision)
        case (401, _):
            throw HubError.unauthorized(repo: repo, tokenGiven: environment.token != nil)
        case (403, _):
            throw HubError.forbidden(repo: repo, endpoint: environment.endpoint)
        case (404, _):
            if let file { throw HubError.fileNotFound(repo: repo, file: file, commit: revision) }
            throw HubError.repoNotFound(repo: repo)
        default:
            throw HubError.badResponse(
                url: url, status: status, message: response.headers.first(name: "X-Error-Message") ?? "")
        }
    }

    private func collect(_ response: HTTPClientResponse, url: String) async throws -> Data {
        do {
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return Data(buffer.readableBytesView)
        } catch {
            throw HubError.noNetwork(endpoint: environment.endpoint, reason: Self.describe(error))
        }
    }

    /// `scheme://host:port` of a URL.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            let host = components.host
        else { return url }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// Percent-encodes a revision (also its `/`, as `huggingface_hub` does) or a file path (keeping `/`).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        if keepSlash { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// An ETag without its weak marker and quotes.
    static func normalize(_ etag: String) -> String {
        var etag = etag.trimmingCharacters(in: .whitespaces)
        if etag.hasPrefix("W/") { etag.removeFirst(2) }
        return etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// A short reason for a transport error.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "connection timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("NIOConnectionError") || text.contains("dnsA") { return "cannot connect" }
        if text.contains("readTimeout") { return "no data for 60 s" }
        if text.contains("remoteConnectionClosed") { return "the connection was closed" }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}

/// What `HEAD …/resolve/{commit}/{file}` reports.
struct HubFileMetadata: Sendable, Equatable {
    /// The commit the file is at (`X-Repo-Commit`).
    var commit: String
    /// The blob name: `X-Linked-Etag` (the SHA-256 of an LFS file) or `ETag` (a git blob id).
    var etag: String
    /// The content size (`X-Linked-Size` or `Content-Length`).
    var size: Int64?
    /// Where the content is: the LFS redirect's `Location`, or the resolve URL itself.
    var location: String
}
