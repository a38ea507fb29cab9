import Crypto
import Foundation

extension SHA256 {
    /// The lowercase hex SHA-256 digest of `bytes`: the content hash stored for each source file.
    public static func hex(of bytes: some DataProtocol) -> String { hash(data: bytes).hex }
}

extension Digest {
    /// The digest as lowercase hex, two digits per byte.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
