import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a `.safetensors` file tensor by tensor, streaming each one's bytes so a checkpoint larger than memory
/// can be written: the header first (every tensor declared up front), then the data in the declared order.
///
/// The header is padded with spaces to a multiple of 8 bytes, and tensors are laid out widest element type first,
/// so every tensor starts aligned to its element size (F32 then maps without a copy).
package struct SafetensorsStreamWriter {
    /// One tensor to write: its name, type and shape, and a function that produces its bytes in order.
    package struct Entry {
        package let name: String
        package let dtype: SafetensorsDType
        package let shape: [Int]
        /// Calls its argument with consecutive pieces of the tensor's bytes, `byteCount` in all.
        package let write: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void

        /// An entry whose bytes `write` produces.
        package init(
            name: String, dtype: SafetensorsDType, shape: [Int],
            write: @escaping ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
        ) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.write = write
        }

        var byteCount: Int { shape.reduce(dtype.byteSize, *) }
    }

    /// Writes `entries` and `metadata` to `url` (replaced if it exists), fsyncing it before returning; `progress`
    /// gets the number of tensors written so far.
    package static func write(
        _ entries: [Entry], metadata: [String: String], to url: URL, progress: (Int) -> Void = { _ in }
    ) throws {
        let ordered = entries.sorted { ($0.dtype.byteSize, $1.name) > ($1.dtype.byteSize, $0.name) }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for entry in ordered {
            header[entry.name] = [
                "dtype": entry.dtype.rawValue, "shape": entry.shape,
                "data_offsets": [offset, offset + entry.byteCount],
            ]
            offset += entry.byteCount
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))

        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TransformerError.unwritableFile(path: url.path, reason: Self.lastError()) }
        defer { close(fd) }
        func put(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = writeBytes(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw TransformerError.unwritableFile(path: url.path, reason: Self.lastError()) }
                done += n
            }
        }
        var length = UInt64(json.count).littleEndian
        try withUnsafeBytes(of: &length) { try put($0) }
        try json.withUnsafeBytes { try put($0) }
        for (index, entry) in ordered.enumerated() {
            var written = 0
            try entry.write { piece in
                written += piece.count
                try put(piece)
            }
            guard written == entry.byteCount else {
                throw TransformerError.invalidSafetensors(
                    path: url.path, tensor: entry.name, reason: "wrote \(written) bytes for \(entry.byteCount)")
            }
            progress(index + 1)
        }
        guard fsync(fd) == 0 else { throw TransformerError.unwritableFile(path: url.path, reason: Self.lastError()) }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// POSIX `write`, named apart from `SafetensorsStreamWriter.write`.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}
