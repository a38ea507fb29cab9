import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL 18 + pgvector primary and streaming replica the shared-store tests use: the ones `scripts/test`
/// started (`ASKDOCS_TEST_PG_PRIMARY`, `ASKDOCS_TEST_PG_REPLICA`), else a pair `scripts/postgres` starts now in a
/// temporary folder, once per test process, stopped when the process exits. Each test takes its own schema, so
/// tests share the servers but never each other's tables.
public enum PostgresTestCluster {
    /// The two servers' URLs.
    public struct URLs: Sendable {
        /// The primary (read-write).
        public var primary: String
        /// Its streaming replica (read-only).
        public var replica: String
        /// The folder of a cluster this process started (nil: started by `scripts/test`).
        public var folder: String?
    }

    /// Why the servers cannot be had.
    public struct Unavailable: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The repository root (the tests' files are under it).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<URLs, Unavailable>?

    /// The servers, starting them on first use.
    public static func urls() throws -> URLs {
        lock.lock()
        defer { lock.unlock() }
        if let started { return try started.get() }
        let environment = ProcessInfo.processInfo.environment
        if let primary = environment["ASKDOCS_TEST_PG_PRIMARY"], let replica = environment["ASKDOCS_TEST_PG_REPLICA"] {
            let urls = URLs(primary: primary, replica: replica, folder: nil)
            started = .success(urls)
            return urls
        }
        let result = Result { () throws(Unavailable) -> URLs in try start() }
        started = result
        return try result.get()
    }

    /// The primary's and the replica's URLs with a new schema of their own (`?schema=…`, `&…` after it).
    public static func freshSchema(_ prefix: String = "t") throws -> (primary: String, replica: String) {
        let urls = try urls()
        let schema = "\(prefix)_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return (urls.primary + "?schema=\(schema)", urls.replica + "?schema=\(schema)")
    }

    /// Runs `scripts/postgres` with `arguments`; its standard output, or why it failed.
    @discardableResult
    public static func script(_ arguments: [String]) throws(Unavailable) -> String {
        // Files, not pipes: the servers the script starts inherit its descriptors and would hold a pipe open.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-pg-run-\(UUID())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let err = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let script = packageRoot.appendingPathComponent("scripts/postgres").path
        let exitCode: Int32
        do {
            // Started servers outlive the script: ChildProcess closes every other descriptor in it, so they cannot
            // hold another test's pipes open.
            let child = try ChildProcess(
                "/bin/bash", [script] + arguments, output: .file(out.path), error: .file(err.path))
            try child.waitUntilExit(timeout: 300)
            exitCode = child.terminationStatus
        } catch {
            throw Unavailable(description: "scripts/postgres \(arguments.joined(separator: " ")): \(error)")
        }
        let stdout = (try? Data(contentsOf: out)) ?? Data()
        let stderr = (try? Data(contentsOf: err)) ?? Data()
        guard exitCode == 0 else {
            let last = String(decoding: stderr, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw Unavailable(description: "scripts/postgres \(arguments.joined(separator: " ")) failed: \(last)")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    private static func start() throws(Unavailable) -> URLs {
        let folder = "/tmp/askdocs-pg-\(getpid())"
        // A port of its own per process: two test runs at once must not meet.
        let port = 20_000 + Int(getpid() % 20_000) * 2 % 20_000
        let urls = try start(in: folder, port: port)
        stopFolder = folder
        atexit {
            if let folder = PostgresTestCluster.stopFolder {
                _ = try? PostgresTestCluster.script(["stop", folder])
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        return urls
    }

    /// Starts (or recovers) a primary and replica in `folder` on `port` and `port + 1`; their URLs.
    public static func start(in folder: String, port: Int) throws(Unavailable) -> URLs {
        let output = try script(["start", folder, "--port", String(port)])
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let primary = values["ASKDOCS_PG_PRIMARY"], let replica = values["ASKDOCS_PG_REPLICA"] else {
            throw Unavailable(description: "scripts/postgres start printed no URLs: \(output)")
        }
        return URLs(primary: primary, replica: replica, folder: folder)
    }

    nonisolated(unsafe) static var stopFolder: String?
}
