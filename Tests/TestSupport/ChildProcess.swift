import Foundation
import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// A program a test runs: spawned with only the descriptors it is given, reaped by its own pid, and waited for
/// with a deadline.
///
/// Not Foundation's `Process`: on Linux it learns of a child's exit when a socket the child inherited closes, and
/// its pipes are not close-on-exec. A program spawned at the same moment by another test (a database server that
/// daemonizes, say) inherits those descriptors, and `waitUntilExit` or a read to end of file then waits as long as
/// that program lives. A suite run hung that way until CI's time ran out. Here every descriptor but 0, 1 and 2 is
/// closed in the child, the pipes are close-on-exec in this process, and no wait is without a deadline.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is only touched while `lock` is held; the descriptors are set once in init.

    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// This process's own stream.
        case inherit
        /// A pipe this process reads (or, for standard input, writes).
        case pipe
        /// A file, truncated first unless `append`.
        case file(String, append: Bool = false)
    }

    /// How a child ended, as Foundation names it.
    public enum TerminationReason: Sendable {
        /// It called exit.
        case exit
        /// A signal ended it.
        case uncaughtSignal
    }

    /// What a run printed and how it ended.
    public struct Result: Sendable {
        /// The exit code, or the signal's number when a signal ended it.
        public var status: Int32
        /// How it ended.
        public var reason: TerminationReason
        /// Its standard output.
        public var standardOutput: Data
        /// Its standard error.
        public var standardError: Data
    }

    /// A child that did not finish within its deadline (it is killed), with what is known about why.
    public struct Timeout: Error, CustomStringConvertible {
        /// The command, the deadline, the child's state and stacks, and the holders of its output pipes.
        public var description: String
    }

    /// A child that could not be started.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed, with the system's reason.
        public var description: String
    }

    /// The child's pid.
    public let processIdentifier: pid_t
    /// The command line, for messages.
    public let command: [String]
    /// The write end of the child's standard input, when it is `.pipe`.
    public let standardInput: FileHandle?
    /// The read end of the child's standard output, when it is `.pipe` (owned by this object).
    public let standardOutput: Int32?
    /// The read end of the child's standard error, when it is `.pipe` (owned by this object).
    public let standardError: Int32?

    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with `arguments` and `environment` (nil: this process's) in `directory`.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: Stream = .null, output: Stream = .null, error: Stream = .null
    ) throws {
        _ = Self.ignoreBrokenPipes
        command = [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { for descriptor in childEnds { close(descriptor) } }
        do {
            for (target, stream) in [input, output, error].enumerated() {
                let target = Int32(target)
                switch stream {
                case .null:
                    posix_spawn_file_actions_addopen(
                        &actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                case .inherit:
                    break
                case .file(let path, let append):
                    let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
                    posix_spawn_file_actions_addopen(&actions, target, path, flags, 0o644)
                case .pipe:
                    var ends: [Int32] = [-1, -1]
                    guard Self.closeOnExecPipe(&ends) == 0 else { throw Self.failure("pipe", errno) }
                    // Standard input: the child reads ends[0]; output streams: the child writes ends[1].
                    let (child, parent) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                    childEnds.append(child)
                    parentEnds[Int(target)] = parent
                    posix_spawn_file_actions_adddup2(&actions, child, target)
                }
            }
            guard BoundedProgram.closeOthers(&actions) else {
                throw Failure(description: "posix_spawn_file_actions_addclosefrom_np failed")
            }
            if let directory {
                guard let chdir = Self.addChdir else {
                    throw Failure(description: "posix_spawn_file_actions_addchdir_np is not available")
                }
                let result = directory.withCString { chdir(&actions, $0) }
                guard result == 0 else { throw Self.failure("chdir to \(directory)", result) }
            }
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            // A group of its own: a timeout kills what it started too. And signals as a program started from a
            // shell has them: none blocked (the test runner's threads block some, and a mask is inherited) and
            // every one at its default (this process ignores SIGPIPE, which `exec` would otherwise pass on).
            BoundedProgram.startClean(&attributes)
            let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
            var cArguments = command.map { strdup($0) } + [nil]
            var cEnvironment = variables.map { strdup($0) } + [nil]
            defer { for pointer in cArguments + cEnvironment { free(pointer) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, &attributes, &cArguments, &cEnvironment)
            guard spawned == 0 else { throw Self.failure("cannot run \(executable)", spawned) }
            processIdentifier = pid
        } catch {
            for case let descriptor? in parentEnds { close(descriptor) }
            throw error
        }
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1]
        standardError = parentEnds[2]
    }

    deinit {
        for case let descriptor? in [standardOutput, standardError] { close(descriptor) }
        _ = isRunning  // reaps a child that has exited
    }

    /// Whether the child has not exited yet (reaping it when it has).
    public var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            if reaped == processIdentifier { status = raw }
            return status == nil && !(reaped < 0 && errno == ECHILD)
        }
    }

    /// Sends `signal` to the child, unless it has been reaped (its pid may belong to another process by now).
    public func signal(_ signal: Int32) {
        lock.withLock {
            if status == nil { _ = kill(processIdentifier, signal) }
        }
    }

    /// SIGKILL to the child and whatever it started in its process group (unless it has been reaped).
    public func killGroup() {
        lock.withLock {
            if status == nil { _ = kill(-processIdentifier, SIGKILL) }
        }
        signal(SIGKILL)
    }

    /// SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// The first line of the child's piped standard output (without its newline), read within `timeout` seconds;
    /// nil when the output ends or the time runs out first. Reads byte by byte: nothing after the line is consumed.
    public func readLine(timeout: TimeInterval = 60) -> String? {
        guard let descriptor = standardOutput else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        var line = Data()
        var byte: UInt8 = 0
        while deadline.timeIntervalSinceNow > 0 {
            var polled = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            guard poll(&polled, 1, Int32(min(deadline.timeIntervalSinceNow, 1) * 1000)) > 0 else { continue }
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }

    /// Waits up to `timeout` seconds for the child to exit; whether it did.
    @discardableResult
    public func wait(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: useconds_t = 1_000
        while isRunning {
            guard Date() < deadline else { return false }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return true
    }

    /// Waits for the child to exit: for `timeout` seconds, then kills it and throws what is known.
    public func waitUntilExit(timeout: TimeInterval = ChildProcess.defaultTimeout) throws {
        guard !wait(timeout: timeout) else { return }
        throw killAfterTimeout(timeout, detail: "")
    }

    /// The exit code, or the signal's number when a signal ended the child.
    public var terminationStatus: Int32 {
        guard let raw = lock.withLock({ status }) else { return -1 }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }

    /// How the child ended.
    public var terminationReason: TerminationReason {
        guard let raw = lock.withLock({ status }) else { return .exit }
        return raw & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    /// Reads the piped streams to their end and waits for the exit, all within `timeout` seconds.
    public func collect(timeout: TimeInterval = ChildProcess.defaultTimeout) throws -> Result {
        let deadline = Date().addingTimeInterval(timeout)
        var open = [standardOutput, standardError].compactMap { $0 }
        var collected: [Int32: Data] = [:]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                throw killAfterTimeout(timeout, detail: Self.holders(of: open, collected: collected))
            }
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), Int32(min(remaining, 1) * 1000))
            guard ready > 0 else { continue }
            for entry in polled where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[entry.fd, default: Data()].append(contentsOf: buffer[0..<count])
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        try waitUntilExit(timeout: max(deadline.timeIntervalSinceNow, 0.001))
        return Result(
            status: terminationStatus, reason: terminationReason,
            standardOutput: standardOutput.flatMap { collected[$0] } ?? Data(),
            standardError: standardError.flatMap { collected[$0] } ?? Data())
    }

    /// Runs `executable` to its end with `input` on its standard input; its output and status.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: Data? = nil, timeout: TimeInterval = defaultTimeout
    ) throws -> Result {
        let child = try ChildProcess(
            executable, arguments, environment: environment, directory: directory, input: input == nil ? .null : .pipe,
            output: .pipe, error: .pipe)
        if let input, let handle = child.standardInput {
            // On a thread of its own: a child that prints before it has read all its input must not wait for us.
            Thread {
                // A program may exit without reading its input: a broken pipe is no failure.
                try? handle.write(contentsOf: input)
                try? handle.close()
            }.start()
        }
        return try child.collect(timeout: timeout)
    }

    /// Ten minutes: far beyond what any program of the suite takes (the whole suite runs in about two), short of
    /// CI's budget, so a hang fails its test with a diagnosis instead of stopping the run.
    public static let defaultTimeout: TimeInterval = 600

    /// This process's environment with `added` set and the variables `removing` matches taken out.
    public static func environment(
        adding added: [String: String] = [:], removing: (String) -> Bool = { _ in false }
    ) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !removing($0.key) }.merging(added) { $1 }
    }
}

extension ChildProcess {
    private static func failure(_ what: String, _ code: Int32) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(code)))")
    }

    /// `pipe2(…, O_CLOEXEC)`, or, without it, `pipe` and then `fcntl` (with a moment in between when another
    /// program spawned by this process could inherit the descriptors).
    private static func closeOnExecPipe(_ ends: inout [Int32]) -> Int32 {
        if let pipe2 { return pipe2(&ends, O_CLOEXEC) }
        guard pipe(&ends) == 0 else { return -1 }
        for descriptor in ends { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    // glibc declares these only for _GNU_SOURCE, which Swift's Glibc module does not define: looked up at run time.
    private static let pipe2: Pipe2? = symbol("pipe2")
    private static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }

    /// A write to a pipe whose reader exited fails with EPIPE instead of ending the test process.
    private static let ignoreBrokenPipes: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()
}

extension ChildProcess {
    /// Starts a stand-in server, `python3 script arguments…`, that binds a port the system picks, prints it as its
    /// first line and exits when its standard input closes (so it never outlives the test); the process and port.
    public static func standIn(_ script: String, _ arguments: [String], error: Stream = .null) throws
        -> (process: ChildProcess, port: Int)
    {
        let process = try ChildProcess(
            "/usr/bin/env", ["python3", script] + arguments, input: .pipe, output: .pipe, error: error)
        guard let line = process.readLine(), let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw Failure(description: "\(URL(fileURLWithPath: script).lastPathComponent) did not start")
        }
        return (process, port)
    }
}
