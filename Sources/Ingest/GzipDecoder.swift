import CLibz
import Foundation

/// Decompresses gzip files (several members concatenated, as `gzip -c a b` writes, are one stream) with zlib,
/// refusing output past a bound so a small file cannot expand into all of memory.
public enum GzipDecoder {
    /// Whether `data` starts with the gzip magic bytes.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed bytes of `data`; throws `IngestError.damagedCompression` for a damaged or truncated stream
    /// and `IngestError.decompressedTooLarge` past `limit` bytes.
    public static func decompress(_ data: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer (CRC-32 and length checked by zlib), 32 KiB window.
        guard clibz_inflate_init2(&stream, 15 + 16) == Z_OK else {
            throw IngestError.damagedCompression("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunkSize = 64 << 10
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        let input = [UInt8](data)
        var status = Z_OK
        try input.withUnsafeBufferPointer { (source) throws in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                status = buffer.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw IngestError.decompressedTooLarge(limit: limit) }
                output.append(contentsOf: buffer[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another member may follow (skip trailing zero padding, which some tools write).
                    let rest = Int(stream.avail_in)
                    let offset = source.count - rest
                    if rest == 0 || source[offset...].allSatisfy({ $0 == 0 }) { return }
                    guard inflateReset(&stream) == Z_OK else {
                        throw IngestError.damagedCompression("zlib could not restart")
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw IngestError.damagedCompression("the stream ends early (truncated file)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw IngestError.damagedCompression(message)
                }
            }
        }
        return output
    }
}
