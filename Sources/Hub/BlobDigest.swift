import Crypto

/// The hash a cached blob is named and verified by, as the Hub reports it.
public enum BlobDigest: Sendable, Equatable, CustomStringConvertible {
    /// The SHA-256 of the content (LFS files; 64 hex digits).
    case sha256(String)
    /// The git blob id, SHA-1 of `blob <size>\0` + content (small files; 40 hex digits).
    case gitBlob(String)

    /// The digest a blob name (or ETag) stands for: 64 hex digits are a SHA-256, 40 a git blob id.
    public init?(name: String) {
        let name = name.lowercased()
        guard name.unicodeScalars.allSatisfy({ "0123456789abcdef".unicodeScalars.contains($0) }) else { return nil }
        switch name.count {
        case 64: self = .sha256(name)
        case 40: self = .gitBlob(name)
        default: return nil
        }
    }

    /// The hex digits.
    public var hex: String {
        switch self {
        case .sha256(let hex), .gitBlob(let hex): return hex
        }
    }

    /// The hex digits.
    public var description: String { hex }
}

/// Hashes a blob as it streams by, for the kind of digest it must match.
struct BlobHasher {
    private enum State {
        case sha256(SHA256)
        case sha1(Insecure.SHA1)
    }

    private var state: State

    /// A hasher for `digest`'s kind; a git blob id needs the content size up front.
    init(for digest: BlobDigest, size: Int64) {
        switch digest {
        case .sha256:
            state = .sha256(SHA256())
        case .gitBlob:
            var sha1 = Insecure.SHA1()
            sha1.update(data: Array("blob \(size)\0".utf8))
            state = .sha1(sha1)
        }
    }

    /// Adds the next bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha256(hash)
        case .sha1(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha1(hash)
        }
    }

    /// The lowercase hex digest of everything added.
    func finalize() -> String {
        let bytes: [UInt8]
        switch state {
        case .sha256(let hash): bytes = Array(hash.finalize())
        case .sha1(let hash): bytes = Array(hash.finalize())
        }
        return bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }
}
