import AskDocs
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Test hook of the fault tests: `ASKDOCS_FAULT_INJECTION=PHASE:N` kills this process with SIGKILL the N-th time
/// a publish reaches PHASE (`writing-vectors`, `vectors-written`, `committing`, `published`, `sharing`), exactly as
/// a crash there would; `PHASE:N:stop` stops it there with SIGSTOP instead, so that a test can break something
/// under it (kill its database server) and let it go on with SIGCONT. Unset (always, outside those tests) it does
/// nothing.
enum FaultInjection {
    /// The environment variable.
    static let variable = "ASKDOCS_FAULT_INJECTION"

    /// The hook to install on a pipeline, or nil when the variable is unset or malformed.
    static func publishHook() -> (@Sendable (PublishPhase) -> Void)? {
        guard let value = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2 || (parts.count == 3 && parts[2] == "stop"),
            let phase = PublishPhase(rawValue: String(parts[0])), let target = Int(parts[1]), target > 0
        else { return nil }
        let signal = parts.count == 3 ? SIGSTOP : SIGKILL
        let counter = Counter()
        return { reached in
            guard reached == phase, counter.increment() == target else { return }
            kill(getpid(), signal)
        }
    }

    /// `trained:N` (training fault tests): the update after which `askdocs train` kills itself, else nil.
    static func trainingKillStep() -> Int? {
        guard let value = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, parts[0] == "trained", let step = Int(parts[1]), step > 0 else { return nil }
        return step
    }

    /// Kills this process with SIGKILL, as a crash or `kill -9` would.
    static func crash() { kill(getpid(), SIGKILL) }

    /// Counts hook calls from whichever thread publishes.
    private final class Counter: @unchecked Sendable {
        // @unchecked: `value` is only touched while `lock` is held.
        private let lock = NSLock()
        private var value = 0

        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
