import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A running `askdocs serve --port 0`, its port read from its log, and a small HTTP client for it.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `logData` is only touched while `lock` is held; the rest is set once in init.
    let process: ChildProcess
    private(set) var port = 0
    private let lock = NSLock()
    private var logData = Data()
    private let logReady = DispatchSemaphore(value: 0)

    static let tinyReader = AskCorpus.reader

    /// Starts `askdocs serve --port 0 arguments` and waits until it is listening and (unless `waitUntilReady` is
    /// false) ready.
    init(_ arguments: [String], environment: [String: String] = [:], waitUntilReady: Bool = true) throws {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ASKDOCS_TOKEN")
        env.merge(environment) { $1 }
        process = try ChildProcess(
            AskDocsProcess.executable.path, ["serve", "--port", "0"] + arguments, environment: env, error: .pipe)
        if let errors = process.standardError {
            // The log, read on a thread of its own until the server exits (end of file).
            Thread { [weak self] in
                var buffer = [UInt8](repeating: 0, count: 16_384)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0, let self else { return }
                    self.lock.withLock { self.logData.append(contentsOf: buffer[0..<count]) }
                    self.logReady.signal()
                }
            }.start()
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = log
            if port == 0, let range = text.range(of: "listening on http://127.0.0.1:") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            if port != 0 && (text.contains("ready: reader") || !waitUntilReady) { return }
            if !process.isRunning { throw ServeFailure("askdocs serve exited: \(text)") }
            _ = logReady.wait(timeout: .now() + .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw ServeFailure("askdocs serve did not start within 60 s: \(log)")
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.wait(timeout: 10)
        }
    }

    /// Everything the server logged so far.
    var log: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: logData, as: UTF8.self)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGTERM, then the exit status (-1, and the server killed, when it has not exited a minute later).
    func terminate() -> Int32 {
        process.signal(SIGTERM)
        guard process.wait(timeout: 60) else {
            process.signal(SIGKILL)
            return -1
        }
        return process.terminationStatus
    }

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var error: String? { (json as? [String: Any])?["error"] as? String }
    }

    /// One request over a fresh connection.
    func send(_ method: HTTPMethod = .POST, _ path: String, _ body: String? = nil, headers: [String: String] = [:])
        async throws -> Reply
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// A POST of a JSON value.
    func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return try await send(.POST, path, String(decoding: data, as: UTF8.self), headers: headers)
    }

    /// Waits until `depth` requests wait for the model (read from `/metrics`). The polling and its deadline run on
    /// a thread of their own: a cooperative pool held by the suite's blocking tests must not run out the clock.
    func waitForQueueDepth(_ depth: Double, within seconds: TimeInterval = 30) async throws {
        try await Self.onThread { try self.blockingWaitForQueueDepth(depth, within: seconds) }
    }

    /// Waits until the log contains `text`, polling on a thread of its own (see `waitForQueueDepth`).
    func waitForLog(_ text: String, within seconds: TimeInterval = 30) async throws {
        try await Self.onThread { try self.blockingWaitForLog(text, within: seconds) }
    }

    /// The value of one Prometheus sample (the first line starting with `name`), or nil.
    func metric(_ name: String) async throws -> Double? {
        let text = try await send(.GET, "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
