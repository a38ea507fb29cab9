import CDNNL
import Foundation

/// A Linear layer's weight as the engine keeps it after loading: fp32 values (F32, or F16/BF16 widened exactly),
/// or, for a layer run in the precision its checkpoint stores, the stored bf16 bits or int8 values with their
/// per-output scales (AskDocs' quantized checkpoints), handed to oneDNN without converting.
///
/// A class: made once per layer at load and shared, never copied, by the model's value types.
final class StoredWeight: Sendable {
    /// How the values are kept.
    enum Storage: Sendable {
        case float(FloatTensor)
        case bf16(RawTensor)
        case int8(RawTensor, scales: FloatTensor)
    }

    let storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    /// Reads `name` (`[outputs, inputs]`) for a layer run in `precision`: stored bf16 or int8 values are kept as
    /// they are when the precision matches, and widened (int8: `value × scale`) to fp32 otherwise.
    convenience init(_ checkpoint: Checkpoint, _ name: String, outputs: Int, inputs: Int, precision: Precision) throws {
        let shape = [outputs, inputs]
        switch try checkpoint.dtype(of: name) {
        case .i8:
            let values = try checkpoint.rawTensor(name, shape: shape)
            let scales = try checkpoint.tensor(name + "_scale", shape: [outputs])
            self.init(precision == .int8 ? .int8(values, scales: scales) : .float(Self.dequantized(values, scales)))
        case .bf16 where precision == .bf16:
            self.init(.bf16(try checkpoint.rawTensor(name, shape: shape)))
        default:
            self.init(.float(try checkpoint.tensor(name, shape: shape)))
        }
    }

    /// `[outputs, inputs]`.
    var shape: [Int] {
        switch storage {
        case .float(let tensor): tensor.shape
        case .bf16(let raw), .int8(let raw, _): raw.shape
        }
    }

    /// The fp32 values (widened or dequantized when stored otherwise).
    var floats: FloatTensor {
        switch storage {
        case .float(let tensor):
            return tensor
        case .bf16(let raw):
            return FloatTensor(shape: raw.shape, values: raw.halfBits().map(HalfPrecision.float(fromBF16:)))
        case .int8(let raw, let scales):
            return Self.dequantized(raw, scales)
        }
    }

    /// Hands the mapped pages of the stored weight back to the OS (its packed copy is what runs).
    func releaseResidentPages() {
        switch storage {
        case .float(let tensor): tensor.releaseResidentPages()
        case .bf16(let raw), .int8(let raw, _): raw.releaseResidentPages()
        }
    }

    private static func dequantized(_ raw: RawTensor, _ scales: FloatTensor) -> FloatTensor {
        let (outputs, inputs) = (raw.shape[0], raw.shape[1])
        return FloatTensor.converting(shape: raw.shape, count: outputs * inputs) { out in
            raw.withBytes { bytes in
                scales.withUnsafeBufferPointer { scale in
                    let values = bytes.bindMemory(to: Int8.self)
                    for n in 0..<outputs {
                        for k in 0..<inputs { out[n * inputs + k] = Float(values[n * inputs + k]) * scale[n] }
                    }
                }
            }
        }
    }
}

extension PackedLinear {
    /// Packs the weights `parts` stacked along the outputs (Q, K and V fused, or a single layer) for `precision`:
    /// stored bf16 bits or int8 values go to oneDNN as they are; anything else is packed from fp32 (int8 stored with
    /// 8 bits on a CPU whose kernel takes 7 is re-quantized from its dequantized values).
    convenience init(stacking parts: [StoredWeight], name: String, precision: Precision) throws {
        let inputs = parts[0].shape[1]
        let outputs = parts.reduce(0) { $0 + $1.shape[0] }
        let limit: Int8 = cdnnl_int8_weight_bits() == 8 ? 127 : 63
        let allBF16 = parts.allSatisfy { if case .bf16 = $0.storage { true } else { false } }
        let int8 = parts.compactMap { part -> (RawTensor, FloatTensor)? in
            if case .int8(let raw, let scales) = part.storage { (raw, scales) } else { nil }
        }
        if precision == .bf16, allBF16 {
            var bits = [UInt16]()
            bits.reserveCapacity(outputs * inputs)
            for case .bf16(let raw) in parts.map(\.storage) { bits.append(contentsOf: raw.halfBits()) }
            try self.init(
                precision: precision, outputs: outputs, inputs: inputs, parts: Parallel.workerCount, name: name
            ) { range, error in
                bits.withUnsafeBufferPointer {
                    cdnnl_linear_create_bf16(
                        $0.baseAddress! + range.lowerBound * inputs, Int64(range.count), Int64(inputs), Int64(inputs),
                        error, 256)
                }
            }
            return
        }
        if precision == .int8, int8.count == parts.count {
            var values = [Int8]()
            var scales = [Float]()
            values.reserveCapacity(outputs * inputs)
            for (raw, scale) in int8 {
                raw.withBytes { values.append(contentsOf: $0.bindMemory(to: Int8.self)) }
                scales.append(contentsOf: scale.scalars)
            }
            if values.allSatisfy({ $0 >= -limit && $0 <= limit }) {
                try self.init(
                    precision: precision, outputs: outputs, inputs: inputs, parts: Parallel.workerCount, name: name
                ) { range, error in
                    values.withUnsafeBufferPointer { v in
                        scales.withUnsafeBufferPointer { s in
                            cdnnl_linear_create_s8(
                                v.baseAddress! + range.lowerBound * inputs, s.baseAddress! + range.lowerBound,
                                Int64(range.count), Int64(inputs), Int64(inputs), error, 256)
                        }
                    }
                }
                return
            }
        }
        let weight: FloatTensor
        if parts.count == 1 {
            weight = parts[0].floats
        } else {
            let floats = parts.map(\.floats)
            weight = FloatTensor.converting(shape: [outputs, inputs], count: outputs * inputs) { target in
                var offset = 0
                for part in floats {
                    part.withUnsafeBufferPointer { (target + offset).update(from: $0.baseAddress!, count: $0.count) }
                    offset += part.count
                }
            }
        }
        try self.init(weight, name: name, precision: precision)
    }
}
