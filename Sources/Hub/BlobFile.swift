import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blob being written: an `.incomplete` file opened for appending, with `ENOSPC` reported as a full disk.
final class BlobFile {
    let url: URL
    private var descriptor: Int32

    /// Opens `url` for appending, creating it; `truncate` starts it over.
    init(appendingTo url: URL, truncate: Bool) throws {
        self.url = url
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        descriptor = open(url.path, flags, 0o644)
        guard descriptor >= 0 else { throw Self.error(errno, url) }
    }

    deinit { if descriptor >= 0 { _ = posixClose(descriptor) } }

    /// Appends all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.error(errno, url)
            }
            offset += written
        }
    }

    /// Flushes to the disk and closes.
    func close() throws {
        guard descriptor >= 0 else { return }
        defer { descriptor = -1 }
        if fsync(descriptor) != 0 { throw Self.error(errno, url) }
        if posixClose(descriptor) != 0 { throw Self.error(errno, url) }
    }

    /// Hashes the first `size` bytes of the file at `url` into `hasher` (the part of a download to resume); a file
    /// that ends earlier hashes what it has. Reading stops at `size`, whatever follows (or keeps coming).
    static func hash(_ url: URL, size: Int64, into hasher: inout BlobHasher) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw HubError.fileSystem(path: url.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var left = size
        while left > 0 {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: Int(min(left, 1 << 20))) } catch {
                throw HubError.fileSystem(path: url.path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { return }
            chunk.withUnsafeBytes { hasher.update($0) }
            left -= Int64(chunk.count)
        }
    }

    /// The digest of the first `size` bytes (the whole blob, as its size on disk) of the file at `url`, of the kind
    /// `digest` is.
    static func digest(of url: URL, like digest: BlobDigest, size: Int64) throws -> String {
        var hasher = BlobHasher(for: digest, size: size)
        try hash(url, size: size, into: &hasher)
        return hasher.finalize()
    }

    private static func error(_ code: Int32, _ url: URL) -> HubError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: url.path, needed: nil) }
        return .fileSystem(path: url.path, reason: String(cString: strerror(code)))
    }
}

/// `write(2)`, named apart from `BlobFile.write(_:)`, which shadows it inside the class.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// `close(2)`, named apart from `BlobFile.close()`, which shadows it inside the class.
private func posixClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
