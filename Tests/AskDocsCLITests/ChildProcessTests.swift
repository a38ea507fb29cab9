import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The runner every suite starts programs with (`Tests/TestSupport/ChildProcess.swift`): no descriptor leaks into a
/// child, and no wait lasts forever.
@Suite("ChildProcess")
struct ChildProcessTests {
    /// The descriptors open in process `pid`.
    static func descriptors(of pid: pid_t) -> Set<Int32> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int32($0) })
    }

    @Test("a long-lived child does not inherit another test's pipe: its reader sees end of file at once")
    func noInheritedDescriptors() throws {
        // Foundation's pipes are not close-on-exec: a server spawned while another test holds one kept its write
        // end open, and that test's read to end of file waited as long as the server lived.
        let foreign = Pipe()
        let writeEnd = foreign.fileHandleForWriting.fileDescriptor
        let server = try ChildProcess("/bin/sleep", ["30"])
        defer { server.signal(SIGKILL) }
        // The pipe is not among the child's descriptors (by what they are, not by number)...
        func target(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }
        let pipe = try #require(target("/proc/self/fd/\(writeEnd)"))
        let pid = server.processIdentifier
        #expect(!Self.descriptors(of: pid).contains { target("/proc/\(pid)/fd/\($0)") == pipe })
        // ...and once the program has started (it may hold a file of its own open for a moment meanwhile, such as
        // its locale), it has only its standard three: an inherited descriptor would stay.
        var settled = false
        for _ in 0..<250 where !settled {
            settled = Self.descriptors(of: pid) == [0, 1, 2]
            if !settled { usleep(20_000) }
        }
        #expect(settled, "\(Self.descriptors(of: pid))")
        #expect(fcntl(writeEnd, F_GETFD) & FD_CLOEXEC == 0, "the hazard is real: Foundation's pipe is inheritable")
        try foreign.fileHandleForWriting.close()
        let started = Date()
        #expect(foreign.fileHandleForReading.readDataToEndOfFile().isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("output, status, directory, environment and input")
    func runs() throws {
        let result = try ChildProcess.run(
            "/bin/sh", ["-c", "pwd; echo \"$ASKDOCS_CHILD\"; cat; echo oops >&2; exit 3"],
            environment: ChildProcess.environment(adding: ["ASKDOCS_CHILD": "één"]), directory: "/tmp",
            input: Data("asked\n".utf8))
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "/tmp\néén\nasked\n")
        #expect(String(decoding: result.standardError, as: UTF8.self) == "oops\n")
        #expect(result.status == 3 && result.reason == .exit)
        let killed = try ChildProcess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == SIGKILL && killed.reason == .uncaughtSignal)
    }

    @Test("a child starts with no signal blocked or ignored, whatever the test process blocks or ignores")
    func signals() throws {
        // This process ignores SIGPIPE and the test runner's threads block signals: a child inheriting either would
        // not die of a broken pipe, and would never see a signal a test sends it.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let status = String(
            decoding: try ChildProcess.run("/bin/cat", ["/proc/self/status"]).standardOutput, as: UTF8.self)
        func mask(_ name: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        // Signals 1 to 31; glibc keeps its own real-time signals 32 and 33 (thread cancellation, set-id) as it likes.
        let standard: UInt64 = 0x7fff_ffff
        #expect(mask("SigBlk").map { $0 & standard } == 0, "\(status)")
        #expect(mask("SigIgn").map { $0 & standard } == 0, "\(status)")
    }

    @Test("a child past its deadline is killed, and the error says it was still running")
    func timeout() throws {
        let started = Date()
        #expect {
            _ = try ChildProcess.run("/bin/sleep", ["30"], timeout: 1)
        } throws: { error in
            "\(error)".contains("/bin/sleep 30 did not finish within 1 s; still running (state S)")
        }
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("output held open after the child exits: the error names the process that holds it")
    func heldPipe() throws {
        #expect {
            _ = try ChildProcess.run("/bin/sh", ["-c", "echo started; exec 2>&-; /bin/sleep 7 & exit 0"], timeout: 1)
        } throws: { error in
            let text = "\(error)"
            return text.contains("it exited with 0") && text.contains("/bin/sleep 7")
                && text.contains("read so far: started")
        }
    }
}
