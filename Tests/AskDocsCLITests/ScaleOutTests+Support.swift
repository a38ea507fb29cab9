import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL primary and streaming replica of one test's own: the scale-out test kills its primary, which the
/// servers the other tests share must survive.
final class DedicatedPostgres {
    let folder: String
    let port: Int
    let primary: String
    let replica: String

    init() throws {
        folder = "/tmp/askdocs-pg-scale-\(getpid())"
        // Apart from PostgresTestCluster's ports (20000-39999) and scripts/postgres's default (54320).
        port = 41_000 + Int(getpid() % 6_000) * 2
        let urls = try PostgresTestCluster.start(in: folder, port: port)
        (primary, replica) = (urls.primary, urls.replica)
    }

    deinit {
        _ = try? PostgresTestCluster.script(["stop", folder])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// `kill -9` of the primary's postmaster: a crashed database machine.
    func killPrimary() throws { try PostgresTestCluster.script(["kill", folder, "primary"]) }

    /// Starts (recovers) whatever is not running.
    func restart() throws { _ = try PostgresTestCluster.start(in: folder, port: port) }
}

/// haproxy running `scripts/deploy/haproxy.cfg` in front of two serve replicas, on a free port.
final class Balancer {
    let port: Int
    let log: String
    private let process: ChildProcess

    init(replicas: (Int, Int), log: String) throws {
        guard
            let haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw ServeFailure("haproxy is not installed (scripts/setup --test installs it)") }
        port = try Self.freePort()
        self.log = log
        let config = PostgresTestCluster.packageRoot.appendingPathComponent("scripts/deploy/haproxy.cfg").path
        var environment = ProcessInfo.processInfo.environment
        environment["ASKDOCS_LB_BIND"] = "127.0.0.1:\(port)"
        environment["ASKDOCS_REPLICA_A"] = "127.0.0.1:\(replicas.0)"
        environment["ASKDOCS_REPLICA_B"] = "127.0.0.1:\(replicas.1)"
        process = try ChildProcess(
            haproxy, ["-db", "-f", config], environment: environment, output: .file(log),
            error: .file(log, append: true))
        // Ready once a question could reach a replica: /readyz through the balancer answers 200.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let reply = try? ServeProcess.RawRequest(port: port, method: "GET", path: "/readyz", body: "").reply(),
                reply.status == 200
            {
                return
            }
            usleep(50_000)
        }
        stop()
        throw ServeFailure(
            "haproxy never passed a request: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if !process.wait(timeout: 30) { process.signal(SIGKILL) }
    }

    /// A TCP port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw ServeFailure("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Questions posted to one port in a loop from threads of their own (the cooperative pool may be held by other
/// suites' blocking tests), every outcome kept.
final class QuestionLoad: @unchecked Sendable {
    // @unchecked: `outcomes` and `stopped` are only touched while `lock` is held.
    struct Outcome {
        var status: Int
        var body: Data
        var failure: String?
    }

    private let lock = NSLock()
    private var outcomes: [Outcome] = []
    private var stopped = false
    private let finished = DispatchGroup()

    init(port: Int, questions: [String], threads: Int) {
        for thread in 0..<threads {
            finished.enter()
            Thread { [self] in
                var next = thread
                while !isStopped {
                    let body = try? JSONSerialization.data(
                        withJSONObject: ["question": questions[next % questions.count], "passages": 3])
                    next += 1
                    let outcome: Outcome
                    do {
                        let reply = try ServeProcess.RawRequest(
                            port: port, path: "/v1/ask", body: String(decoding: body ?? Data(), as: UTF8.self)
                        ).reply()
                        outcome = Outcome(status: reply.status, body: reply.body, failure: nil)
                    } catch {
                        outcome = Outcome(status: 0, body: Data(), failure: "\(error)")
                    }
                    lock.lock()
                    outcomes.append(outcome)
                    lock.unlock()
                }
                finished.leave()
            }.start()
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// How many questions have been answered (or failed) so far.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return outcomes.count
    }

    /// The outcomes from index `start` on.
    func outcomes(from start: Int) -> [Outcome] {
        lock.lock()
        defer { lock.unlock() }
        return Array(outcomes[min(start, outcomes.count)...])
    }

    /// Blocks until `more` outcomes beyond `count` arrived.
    func waitFor(_ more: Int, after start: Int, within seconds: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while count < start + more {
            guard Date() < deadline else { throw ServeFailure("only \(count - start) of \(more) answers arrived") }
            usleep(10_000)
        }
    }

    /// Stops asking and returns every outcome.
    func stop() -> [Outcome] {
        lock.lock()
        stopped = true
        lock.unlock()
        finished.wait()
        return outcomes(from: 0)
    }
}
