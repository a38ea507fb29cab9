import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A memory-mapped `.safetensors` file: a validated header and zero-copy access to its tensors.
///
/// F32 tensors are served straight from the mapping (pages are read only when touched, so an
/// embedding matrix costs memory only for the rows looked up); F16 and BF16 are converted on access.
public final class SafetensorsFile: @unchecked Sendable {
    /// The file this was mapped from.
    public let url: URL
    /// The header's `__metadata__` map (often `{"format": "pt"}`).
    public let metadata: [String: String]
    /// Every tensor the header declares, by name.
    public let tensors: [String: SafetensorsTensorInfo]

    // Immutable after init; the mapping lives until deinit, so pointers handed out stay valid while
    // a FloatTensor holds a reference to this object.
    let mapping: UnsafeRawPointer
    private let mappedLength: Int
    let dataStart: Int

    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TransformerError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TransformerError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let length = Int(info.st_size)
        guard length >= 8 else {
            throw TransformerError.invalidSafetensors(
                path: path, tensor: nil, reason: "file is \(length) bytes, shorter than the 8-byte header length")
        }
        guard let raw = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), raw != MAP_FAILED else {
            throw TransformerError.unreadableFile(
                path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let base = UnsafeRawPointer(raw)
        do {
            let parsed = try Self.parseHeader(base: base, length: length, path: path)
            self.mapping = base
            self.mappedLength = length
            self.dataStart = parsed.dataStart
            self.metadata = parsed.metadata
            self.tensors = parsed.tensors
        } catch {
            munmap(raw, length)
            throw error
        }
    }

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: mapping), mappedLength)
    }

    /// The tensor `name` as 32-bit floats: a view of the mapping for aligned F32, a converted copy otherwise.
    public func floatTensor(_ name: String) throws -> FloatTensor {
        guard let info = tensors[name] else {
            throw TransformerError.missingTensor(name: name, checkpoint: url.path)
        }
        let bytes = mapping + dataStart + info.byteRange.lowerBound
        let count = info.elementCount
        switch info.dtype {
        case .f32:
            if Int(bitPattern: bytes) % MemoryLayout<Float>.alignment == 0 {
                return FloatTensor(
                    shape: info.shape, pointer: bytes.assumingMemoryBound(to: Float.self), owner: self)
            }
            return FloatTensor.converting(shape: info.shape, count: count) { out in
                memcpy(out, bytes, count * 4)
            }
        case .f16:
            return FloatTensor.converting(shape: info.shape, count: count) { out in
                for i in 0..<count { out[i] = HalfPrecision.float(fromF16: Self.loadUInt16(bytes, i)) }
            }
        case .bf16:
            return FloatTensor.converting(shape: info.shape, count: count) { out in
                for i in 0..<count { out[i] = HalfPrecision.float(fromBF16: Self.loadUInt16(bytes, i)) }
            }
        default:
            throw TransformerError.unsupportedDType(name: name, dtype: info.dtype.rawValue, path: url.path)
        }
    }

    static func loadUInt16(_ bytes: UnsafeRawPointer, _ index: Int) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
    }
}

/// What a safetensors header says about one tensor.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The element type.
    public let dtype: SafetensorsDType
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// Byte range inside the data section (after the header).
    public let byteRange: Range<Int>

    /// The number of elements (product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The element types the safetensors format defines.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }
}

extension SafetensorsFile {
    struct ParsedHeader {
        let dataStart: Int
        let metadata: [String: String]
        let tensors: [String: SafetensorsTensorInfo]
    }

    /// Validates everything the header claims against the file, so later pointer arithmetic is in bounds.
    static func parseHeader(base: UnsafeRawPointer, length: Int, path: String) throws -> ParsedHeader {
        func fail(_ tensor: String?, _ reason: String) -> TransformerError {
            .invalidSafetensors(path: path, tensor: tensor, reason: reason)
        }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(length - 8) else {
            throw fail(nil, "header length \(headerLength) exceeds the file size \(length) (truncated file?)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = length - dataStart
        let json = Data(bytes: base + 8, count: Int(headerLength))
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw fail(nil, "header is not valid JSON")
        }
        guard let entries = object as? [String: Any] else {
            throw fail(nil, "header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail(nil, "__metadata__ is not an object") }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw fail(nil, "__metadata__ value '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw fail(name, "entry is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw fail(name, "missing dtype") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail(name, "unknown dtype '\(dtypeName)'")
            }
            guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail(name, "shape is not a list of non-negative integers")
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
                throw fail(name, "data_offsets is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw fail(name, "data_offsets [\(begin), \(end)] are reversed") }
            guard end <= dataLength else {
                throw fail(
                    name, "data ends at byte \(end) but the data section has \(dataLength) bytes (truncated file?)")
            }
            var bytes = dtype.byteSize
            for dimension in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail(name, "shape \(shape) is too large") }
                bytes = product
            }
            guard bytes == end - begin else {
                throw fail(
                    name, "shape \(shape) of \(dtypeName) needs \(bytes) bytes but data_offsets span \(end - begin)")
            }
            tensors[name] = SafetensorsTensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        let ordered = tensors.sorted {
            ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key)
        }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.value.byteRange.lowerBound < previous.value.byteRange.upperBound {
            throw fail(next.key, "data overlaps tensor '\(previous.key)'")
        }
        return ParsedHeader(dataStart: dataStart, metadata: metadata, tensors: tensors)
    }

    /// JSON numbers as exact integers (rejects fractions and non-numbers).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(list.count)
        for item in list {
            guard let number = item as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}

/// IEEE half and bfloat16 to Float, bit-exact (subnormals, infinities and NaN included).
enum HalfPrecision {
    static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Subnormal (or zero): mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
