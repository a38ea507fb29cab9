import CDNNL
import Foundation

/// A Linear layer's weight packed for oneDNN in bf16 or int8 (or fp32), split into one slice of outputs per
/// engine worker so each worker runs its own single-threaded product, as the OpenBLAS path does.
final class PackedLinear: @unchecked Sendable {
    /// The packed slices and the output columns each computes; immutable after init (hence Sendable).
    private let slices: [(handle: OpaquePointer, outputs: Range<Int>)]
    let precision: Precision
    let inputs: Int
    let outputs: Int

    /// Packs `weight` (`[outputs, inputs]`, fp32) for `precision`, quantizing int8 per output row.
    convenience init(_ weight: FloatTensor, name: String, precision: Precision, parts: Int = Parallel.workerCount)
        throws
    {
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        guard outputs > 0, inputs > 0 else {
            throw TransformerError.precisionUnavailable(
                precision: precision.rawValue, tensor: name, reason: "a \(outputs) × \(inputs) weight cannot be packed")
        }
        try self.init(precision: precision, outputs: outputs, inputs: inputs, parts: parts, name: name) {
            range, error in
            weight.withUnsafeBufferPointer { values in
                cdnnl_linear_create(
                    PackedLinear.shimPrecision(precision), values.baseAddress! + range.lowerBound * inputs,
                    Int64(range.count), Int64(inputs), Int64(inputs), error, 256)
            }
        }
    }

    /// Packs slices made by `create` (given the slice's output rows and an error buffer).
    init(
        precision: Precision, outputs: Int, inputs: Int, parts: Int, name: String,
        create: (Range<Int>, UnsafeMutablePointer<CChar>) -> OpaquePointer?
    ) throws {
        self.precision = precision
        self.inputs = inputs
        self.outputs = outputs
        var made: [(OpaquePointer, Range<Int>)] = []
        var error = [CChar](repeating: 0, count: 256)
        for range in PackedLinear.split(outputs, parts: parts) {
            guard let handle = error.withUnsafeMutableBufferPointer({ create(range, $0.baseAddress!) }) else {
                made.forEach { cdnnl_linear_destroy($0.0) }
                throw TransformerError.precisionUnavailable(
                    precision: precision.rawValue, tensor: name, reason: PackedLinear.message(error))
            }
            made.append((handle, range))
        }
        slices = made.map { (handle: $0.0, outputs: $0.1) }
    }

    deinit { slices.forEach { cdnnl_linear_destroy($0.handle) } }

    /// Whether bf16 runs emulated on an fp32 kernel (no bf16 kernel on this CPU): bf16 results at fp32 speed.
    var isEmulated: Bool { slices.contains { cdnnl_linear_is_emulated($0.handle) != 0 } }

    /// Bytes of packed weights and scales.
    var byteCount: Int { slices.reduce(0) { $0 + cdnnl_linear_bytes($1.handle) } }

    /// Output ranges, one per part, on multiples of 64 (oneDNN's column block) where the width allows.
    static func split(_ outputs: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, outputs / 64))
        var bounds = [0]
        for part in 1..<max(parts, 1) where parts > 1 { bounds.append(outputs * part / parts / 64 * 64) }
        bounds.append(outputs)
        return zip(bounds, bounds.dropFirst()).filter { $0 < $1 }.map { $0..<$1 }
    }

    /// The NUL-terminated message the shim wrote.
    static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func shimPrecision(_ precision: Precision) -> cdnnl_precision {
        switch precision {
        case .fp32: return CDNNL_FP32
        case .bf16: return CDNNL_BF16
        case .int8: return CDNNL_INT8
        }
    }

    /// `y[rows × outputs] = beta·y + x·Wᵀ` with `x` prepared for this precision; slices run on the engine's workers.
    func apply(
        _ x: PreparedActivations, into y: UnsafeMutablePointer<Float>, ldy: Int, beta: Float = 0
    ) throws {
        precondition(x.precision == precision && x.columns == inputs, "activations prepared for another layer")
        let target = SharedPointer(y)
        let failure = FirstFailure()
        let run: @Sendable (Int) -> Void = { part in
            let slice = self.slices[part]
            var error = [CChar](repeating: 0, count: 256)
            let status = error.withUnsafeMutableBufferPointer { message in
                cdnnl_linear_apply(
                    slice.handle, x.data, Int64(x.rows), Int64(x.stride), x.scales, x.zeros,
                    target.base + slice.outputs.lowerBound, Int64(ldy), beta, message.baseAddress, 256)
            }
            if status != 0 { failure.record(PackedLinear.message(error)) }
        }
        // Small products are not worth waking a second worker for.
        if slices.count == 1 || x.rows * outputs * inputs < 1 << 20 {
            for part in slices.indices { run(part) }
        } else {
            DispatchQueue.concurrentPerform(iterations: slices.count, execute: run)
        }
        if let reason = failure.reason {
            throw TransformerError.precisionUnavailable(precision: precision.rawValue, tensor: nil, reason: reason)
        }
    }
}

/// The first error message of a parallel loop.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?  // guarded by lock

    func record(_ reason: String) {
        lock.lock()
        if message == nil { message = reason }
        lock.unlock()
    }

    var reason: String? {
        lock.lock()
        defer { lock.unlock() }
        return message
    }
}
