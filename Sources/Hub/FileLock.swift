import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on a lock file, the kind `huggingface_hub` takes in `.locks/` so that two downloads of the
/// same blob (from AskDocs or Python, in one process or two) never write it at once. Released on `release()` or
/// when the lock is deallocated.
final class FileLock {
    private var descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock at `url`, creating the file and its folder, waiting up to `timeout` seconds for another
    /// holder to let go.
    static func acquire(_ url: URL, timeout: Double) async throws -> FileLock {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: url.deletingLastPathComponent().path, reason: error.localizedDescription)
        }
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.fileSystem(path: url.path, reason: String(cString: strerror(errno)))
        }
        let lock = FileLock(descriptor: descriptor)
        let start = ContinuousClock.now
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw HubError.fileSystem(path: url.path, reason: String(cString: strerror(errno)))
            }
            let waited = ContinuousClock.now - start
            let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18
            if seconds >= timeout {
                throw HubError.lockHeld(path: url.path, waited: seconds)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return lock
    }

    /// Lets go of the lock.
    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }
}
