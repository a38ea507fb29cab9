import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Blocking HTTP on raw sockets, run on a thread of its own.
///
/// The tests whose server holds a request for a few seconds (drain, overload) must observe it in that window. Under the
/// full suite the cooperative pool (one thread per core) is often held by blocking tests for longer than that, so those
/// tests do their timed steps here, on an OS thread the kernel schedules whatever the pool is doing.
extension ServeProcess {
    /// Runs `body` on a new thread and returns its result.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// One request, its reply read to the end; blocks the calling thread.
    func blockingSend(_ method: String, _ path: String, _ body: String = "") throws -> RawReply {
        try RawRequest(port: port, method: method, path: path, body: body).reply()
    }

    /// The value of one Prometheus sample, read with a blocking request.
    func blockingMetric(_ name: String) throws -> Double? {
        let text = try blockingSend("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Waits until `depth` requests wait for the model; blocks the calling thread.
    func blockingWaitForQueueDepth(_ depth: Double, within seconds: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try blockingMetric("askdocs_queue_depth_requests") == depth { return }
            usleep(10_000)
        }
        throw ServeFailure("the queue never held \(depth) requests within \(seconds) s: \(log)")
    }

    /// Waits until the log contains `text`; blocks the calling thread.
    func blockingWaitForLog(_ text: String, within seconds: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if log.contains(text) { return }
            usleep(10_000)
        }
        throw ServeFailure("the log never said \(text): \(log)")
    }

    /// A reply read from a raw socket.
    struct RawReply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var error: String? { (json as? [String: Any])?["error"] as? String }
    }

    /// A request written to a raw socket at once; its reply is read only when asked, and closing it unread is a
    /// client that goes away.
    final class RawRequest: @unchecked Sendable {
        private var descriptor: Int32

        init(port: Int, method: String = "POST", path: String, body: String) throws {
            // CLOEXEC: a child process another test spawns at this moment must not inherit the connection, or
            // closing it here would not hang up.
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw ServeFailure("socket() failed: errno \(errno)") }
            var timeout = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw ServeFailure("connect() failed: errno \(errno)") }
            var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            if !body.isEmpty { request += "Content-Type: application/json\r\n" }
            request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let bytes = Array(request.utf8)
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
                }
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { throw ServeFailure("send() failed: errno \(errno)") }
                offset += sent
            }
        }

        /// Reads the reply (Content-Length or chunked), then closes.
        func reply() throws -> RawReply {
            defer { close() }
            var received = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                if let reply = try Self.parse(received) { return reply }
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw ServeFailure("recv() failed: errno \(errno) after \(received.count) bytes") }
                if count == 0 {
                    guard let reply = try Self.parse(received, atEnd: true) else {
                        throw ServeFailure(
                            "the connection closed mid-reply: \(String(decoding: received, as: UTF8.self))")
                    }
                    return reply
                }
                received.append(contentsOf: buffer[0..<count])
            }
        }

        /// The reply in `data` when it is complete, nil when more bytes are needed.
        static func parse(_ data: Data, atEnd: Bool = false) throws -> RawReply? {
            guard let split = data.firstRange(of: Data("\r\n\r\n".utf8)) else { return nil }
            let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let statusLine = head[0].split(separator: " ")
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
                throw ServeFailure("not an HTTP status line: \(head[0])")
            }
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                    .trimmingCharacters(in: .whitespaces)
            }
            let rest = Data(data[split.upperBound...])
            if headers["transfer-encoding"]?.lowercased() == "chunked" {
                guard let body = dechunk(rest) else { return nil }
                return RawReply(status: status, headers: headers, body: body)
            }
            if let length = headers["content-length"].flatMap(Int.init) {
                guard rest.count >= length else { return nil }
                return RawReply(status: status, headers: headers, body: rest.prefix(length))
            }
            return atEnd ? RawReply(status: status, headers: headers, body: rest) : nil
        }

        /// A chunked body decoded, or nil while its last chunk has not arrived.
        private static func dechunk(_ data: Data) -> Data? {
            var body = Data()
            var position = data.startIndex
            while true {
                guard let lineEnd = data[position...].firstRange(of: Data("\r\n".utf8)) else { return nil }
                let sizeText = String(decoding: data[position..<lineEnd.lowerBound], as: UTF8.self)
                guard let field = sizeText.split(separator: ";").first, let size = Int(field, radix: 16) else {
                    return nil
                }
                let start = lineEnd.upperBound
                if size == 0 { return body }
                guard data.endIndex - start >= size + 2 else { return nil }
                body.append(data[start..<start + size])
                position = start + size + 2
            }
        }

        /// Hangs up.
        func close() {
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }

        deinit { close() }
    }
}
