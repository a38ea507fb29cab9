import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program (poppler's `pdftotext`) to its end within a time limit: what a damaged file makes it do
/// (loop, or wait on a terminal) costs one skipped file, never a hung `index`. The child gets only its three
/// standard streams (no descriptor of this process, so no other thread's pipe is held open by it), signals at their
/// defaults, and a process group of its own, which is killed whole at the limit.
public struct BoundedProgram: Sendable {
    /// How a run ended.
    public struct Outcome: Sendable, Equatable {
        /// The exit status, or the signal's number when `signalled`.
        public var status: Int32
        /// Whether a signal ended it.
        public var signalled: Bool
        /// The first line it wrote to standard error ("" when none).
        public var firstErrorLine: String
    }

    /// Why a run did not end by itself.
    public enum Failure: Error, Equatable, Sendable {
        /// The program could not be started (errno's description).
        case cannotStart(String)
        /// It was still running at the limit and was killed.
        case timedOut(seconds: Double)
    }

    /// The program's path.
    public let path: String

    /// A runner of the program at `path`.
    public init(path: String) { self.path = path }

    /// Runs the program with `arguments`, standard input and output on /dev/null, killed after `limit` seconds.
    public func run(_ arguments: [String], limit: Double) throws(Failure) -> Outcome {
        let errors = FileManager.default.temporaryDirectory
            .appendingPathComponent("askdocs-stderr-\(UUID().uuidString)").path
        defer { unlink(errors) }
        let pid = try spawn(arguments, errors: errors)
        let deadline = Date().addingTimeInterval(limit)
        var status: Int32 = 0
        var pause: useconds_t = 1_000
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped == -1 && errno != EINTR { return Outcome(status: -1, signalled: false, firstErrorLine: "") }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                throw .timedOut(seconds: limit)
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)  // quick programs are seen at once, slow ones cost no spinning
        }
        let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let signalled = (status & 0x7f) != 0
        return Outcome(
            status: signalled ? status & 0x7f : (status >> 8) & 0xff, signalled: signalled, firstErrorLine: line)
    }

    private func spawn(_ arguments: [String], errors: String) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // A file, not a pipe: nothing to drain while waiting, nothing another process could hold open.
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard Self.closeOthers(&actions) else { throw .cannotStart("cannot close inherited descriptors") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        Self.startClean(&attributes)
        let command = [path] + arguments
        var cArguments = command.map { strdup($0) } + [nil]
        var cEnvironment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, &cArguments, &cEnvironment)
        guard result == 0 else { throw .cannotStart(String(cString: strerror(result))) }
        return pid
    }

    /// A process group of its own (killed whole), no signal blocked and every one at its default: a program
    /// started by a thread that blocks signals (NIO's, a test runner's) or by a process ignoring SIGPIPE would
    /// otherwise inherit both.
    public static func startClean(_ attributes: inout posix_spawnattr_t) {
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }

    /// Adds actions closing every descriptor from 3 up in the child: glibc's `closefrom` action (2.34 and later,
    /// looked up at run time since the Glibc module declares it only for _GNU_SOURCE), or, before it, one close per
    /// descriptor open now; false when the action cannot be added.
    public static func closeOthers(_ actions: inout posix_spawn_file_actions_t) -> Bool {
        if let closeFrom { return closeFrom(&actions, 3) == 0 }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let descriptor = Int32(name), descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        return true
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(address, to: CloseFrom.self)
    }()
}
