import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// A running `askdocs serve --port 0`, its port read from its log, and a small HTTP client for it.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let lock = NSLock()
    private var logData = Data()
    private let logReady = DispatchSemaphore(value: 0)

    static let tinyReader = AskCorpus.reader

    /// Starts `askdocs serve --port 0 arguments` and waits until it is listening and (unless `waitUntilReady` is
    /// false) ready.
    init(_ arguments: [String], environment: [String: String] = [:], waitUntilReady: Bool = true) throws {
        process.executableURL = AskDocsProcess.executable
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ASKDOCS_TOKEN")
        env.merge(environment) { $1 }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.logData.append(data)
            self.lock.unlock()
            self.logReady.signal()
        }
        try process.run()
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
        throw ServeFailure("askdocs serve did not start within 60 s: \(log)")
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Everything the server logged so far.
    var log: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: logData, as: UTF8.self)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
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
