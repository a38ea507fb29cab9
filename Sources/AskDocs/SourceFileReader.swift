import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file's bytes and the state they were read in.
struct FileSnapshot {
    var data: Data
    var size: Int64
    var modifiedAt: Date
}

/// Why a file's bytes could not be had.
enum FileReadError: LocalizedError, Equatable {
    case system(String)
    case changedWhileReading

    var errorDescription: String? {
        switch self {
        case .system(let message): message
        case .changedWhileReading: "file changed while being read (twice); index it again when it is stable"
        }
    }
}

/// Reads whole files with plain POSIX calls (clear error messages, one buffer of exactly the file's size) and
/// detects files that change while being read.
struct SourceFileReader {
    /// Called after the bytes are read and before the file is checked again (tests change the file here).
    var afterRead: (@Sendable (String) -> Void)?

    /// Reads `path`; when size or modification time differ before and after the read it tries once more.
    func read(_ path: String) throws -> FileSnapshot {
        do {
            return try readOnce(path)
        } catch FileReadError.changedWhileReading {
            return try readOnce(path)
        }
    }

    private func readOnce(_ path: String) throws -> FileSnapshot {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw FileReadError.system(Self.message(errno)) }
        defer { close(descriptor) }
        var before = stat()
        guard fstat(descriptor, &before) == 0 else { throw FileReadError.system(Self.message(errno)) }
        let size = Int(before.st_size)
        var data = Data(count: size)
        var total = 0
        let status: Int32 = data.withUnsafeMutableBytes { buffer in
            while total < size {
                let count = Glibc.read(descriptor, buffer.baseAddress! + total, size - total)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if count == 0 { break }
                total += count
            }
            return 0
        }
        guard status == 0 else { throw FileReadError.system(Self.message(status)) }
        // A file that grew has more bytes than its size said; one extra byte is enough to tell.
        var probe: UInt8 = 0
        let extra = Glibc.read(descriptor, &probe, 1)
        afterRead?(path)
        var after = stat()
        guard stat(path, &after) == 0 else { throw FileReadError.system(Self.message(errno)) }
        if total != size || extra > 0 || after.st_size != before.st_size
            || Self.modified(after) != Self.modified(before) || after.st_ino != before.st_ino
        {
            throw FileReadError.changedWhileReading
        }
        return FileSnapshot(data: data, size: Int64(size), modifiedAt: Self.modified(before))
    }

    static func modified(_ info: stat) -> Date {
        Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    static func message(_ code: Int32) -> String {
        code == EACCES ? "permission denied" : String(cString: strerror(code))
    }
}
