import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lock that lets one writer (`index`, `reindex`, `check --repair`) at a time work on a database: an
/// exclusive `flock` on `<database>.lock`, which the kernel drops when its process dies, so a killed run never
/// leaves the database locked. The file holds the holder's pid, for the message of the run that is refused.
public final class IndexLock {
    private var descriptor: Int32
    /// The lock file.
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { release() }

    /// The lock file of `database`.
    public static func path(of database: String) -> String { database + ".lock" }

    /// Takes the lock of `database` without waiting; throws `PipelineError.indexBusy` when another process holds it.
    public static func acquire(database: String) throws(PipelineError) -> IndexLock {
        let path = path(of: database)
        try? FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unreadableDatabase(
                path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw .unreadableDatabase(path: path, reason: "cannot lock: \(String(cString: strerror(reason)))")
            }
            throw .indexBusy(database: database, pid: holder)
        }
        // The pid is news for whoever is refused; the lock itself is the flock, not the contents.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return IndexLock(descriptor: descriptor, path: path)
    }

    /// Lets go of the lock (the file stays: removing it could let two runs lock two different files).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    private static func holder(_ descriptor: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
