import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tensor's bytes exactly as a memory-mapped safetensors file stores them (any dtype), for weights the engine
/// hands to oneDNN without converting: bf16 bits and int8 values with their scales.
struct RawTensor: @unchecked Sendable {
    /// The element type and shape.
    let info: SafetensorsTensorInfo
    /// The first byte; valid while `owner` (the mapping) lives.
    let bytes: UnsafeRawPointer
    private let owner: SafetensorsFile

    init(info: SafetensorsTensorInfo, bytes: UnsafeRawPointer, owner: SafetensorsFile) {
        self.info = info
        self.bytes = bytes
        self.owner = owner
    }

    /// The dimensions, outermost first.
    var shape: [Int] { info.shape }

    /// Calls `body` with the bytes (`info.byteRange.count` of them), keeping the mapping alive.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(owner) { try body(UnsafeRawBufferPointer(start: bytes, count: info.byteRange.count)) }
    }

    /// The elements of a 2-byte tensor (F16, BF16) as their bits, read as `SafetensorsFile` reads them.
    func halfBits() -> [UInt16] {
        withBytes { bytes in
            (0..<info.elementCount).map { SafetensorsFile.loadUInt16(bytes.baseAddress!, $0) }
        }
    }

    /// Hands the tensor's resident pages back to the OS once oneDNN holds its own packed copy.
    func releaseResidentPages() {
        MappedPages.release(bytes, count: info.byteRange.count)
    }
}

/// Releasing clean pages of a read-only file mapping (touching them again re-reads the file).
enum MappedPages {
    /// `madvise(MADV_DONTNEED)` on the whole pages inside `[start, start + count)`.
    static func release(_ start: UnsafeRawPointer, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let last = (Int(bitPattern: start) + count) / page * page
        guard last > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, last - first, Int32(MADV_DONTNEED))
    }
}

extension SafetensorsFile {
    /// The tensor `name` as stored, without conversion.
    func rawTensor(_ name: String) throws -> RawTensor {
        guard let info = tensors[name] else { throw TransformerError.missingTensor(name: name, checkpoint: url.path) }
        return RawTensor(info: info, bytes: mapping + dataStart + info.byteRange.lowerBound, owner: self)
    }
}

extension Checkpoint {
    /// The stored element type of tensor `name`.
    func dtype(of name: String) throws -> SafetensorsDType {
        try file(holding: name).tensors[name]!.dtype
    }

    /// The tensor `name` as stored, checking its shape when `shape` is given.
    func rawTensor(_ name: String, shape: [Int]? = nil) throws -> RawTensor {
        let tensor = try file(holding: name).rawTensor(name)
        if let shape, tensor.shape != shape {
            throw TransformerError.shapeMismatch(
                name: name, expected: shape, actual: tensor.shape, checkpoint: url.path)
        }
        return tensor
    }

    /// The `__metadata__` of the checkpoint (of its first shard when sharded).
    public var metadata: [String: String] { files.first?.metadata ?? [:] }
}
