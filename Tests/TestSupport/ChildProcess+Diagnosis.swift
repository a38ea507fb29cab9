import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a timeout reports: the child's state and stacks, and who holds its pipes open.
extension ChildProcess {
    /// Kills the child's group after a timeout; the error says what the child was doing.
    func killAfterTimeout(_ timeout: TimeInterval, detail: String) -> Timeout {
        let running = isRunning
        var description = "\(command.joined(separator: " ")) did not finish within \(Int(timeout)) s"
        if running {
            description += "; still running (\(Self.state(of: processIdentifier)))"
            description += Self.stacks(of: processIdentifier)
        } else {
            description += "; it exited with \(terminationStatus)"
        }
        description += detail
        killGroup()
        wait(timeout: 10)
        return Timeout(description: description)
    }

    /// The state letter and name from `/proc/PID/stat` (R, S, T for stopped, Z for a zombie).
    private static func state(of pid: pid_t) -> String {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let end = stat.lastIndex(of: ")") else { return "state unknown" }
        return "state " + stat[stat.index(after: end)...].split(separator: " ").prefix(1).joined()
    }

    /// Every thread's stack from gdb, when it is installed (Debian's machines here have it).
    private static func stacks(of pid: pid_t) -> String {
        guard let gdb = ["/usr/bin/gdb", "/usr/local/bin/gdb"].first(where: FileManager.default.isExecutableFile)
        else { return "" }
        guard
            let result = try? ChildProcess(
                gdb, ["-batch", "-p", String(pid), "-ex", "thread apply all bt 30"], output: .pipe, error: .null
            ).collect(timeout: 60)
        else { return "; gdb could not read its stacks" }
        let lines = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("#") || $0.hasPrefix("Thread ") }
        return "; its threads:\n" + lines.prefix(300).joined(separator: "\n")
    }

    /// Which processes hold the write ends of the pipes still open (an inherited descriptor keeps one open after the
    /// child exits), and what was read so far.
    static func holders(of descriptors: [Int32], collected: [Int32: Data]) -> String {
        var text = ""
        for descriptor in descriptors {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { continue }
            let link = "pipe:[\(info.st_ino)]"
            var pids: [String] = []
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
                let folder = "/proc/\(pid)/fd"
                for fd in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                    if (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)")) == link,
                        Int32(pid) != getpid()
                    {
                        let name = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                        pids.append("\(pid) (\(name.replacingOccurrences(of: "\0", with: " ").prefix(120)))")
                    }
                }
            }
            let read = String(decoding: (collected[descriptor] ?? Data()).suffix(2_000), as: UTF8.self)
            text += "\n\(link) held open by: \(pids.isEmpty ? "no other process" : pids.joined(separator: ", "))"
            text += "; read so far: \(read)"
        }
        return text
    }
}
