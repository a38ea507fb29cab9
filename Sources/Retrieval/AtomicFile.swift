import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Durable file replacement: write a temporary file in the same folder, fsync it, rename it over the
/// target, fsync the folder. A crash at any point leaves either the old or the new file, never a mix.
enum AtomicFile {
    /// Writes `data` to `url` atomically and durably.
    static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in
            let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw failure(temporary, "open") }
            defer { close(fd) }
            guard writeAll(fd, data) else { throw failure(temporary, "write") }
        }
    }

    /// Lets `produce` create the file at a temporary path (e.g. FAISS writing an index), then syncs and
    /// renames it over `url`. The temporary file is removed when `produce` or a later step fails.
    static func write(to url: URL, produce: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try produce(temporary)
            try sync(temporary)
            guard rename(temporary.path, url.path) == 0 else { throw failure(url, "rename") }
        } catch {
            unlink(temporary.path)
            throw error
        }
        try sync(folder)
    }

    /// fsyncs a file or folder so its contents (or its entries) survive a power loss.
    static func sync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw failure(url, "open for fsync") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure(url, "fsync") }
    }

    static func failure(_ url: URL, _ step: String) -> VectorIndexError {
        .writeFailed(path: url.path, reason: "\(step): \(String(cString: strerror(errno)))")
    }
}

/// Writes every byte of `data` to `fd`, retrying short writes; false on an error (errno says which).
private func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { buffer in
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
