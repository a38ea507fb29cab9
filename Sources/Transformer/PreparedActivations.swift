import CDNNL
import Foundation

/// A block of fp32 activations in the form a precision's products read: the rows themselves (fp32), rounded to
/// bf16, or quantized to u8 with a scale and zero point per row (int8). Prepared once per input, shared by every
/// layer reading it (Q, K and V) and by every worker's slice.
struct PreparedActivations: @unchecked Sendable {
    let precision: Precision
    let rows: Int
    let columns: Int
    /// Elements between row starts (fp32 may view a strided block; bf16 and u8 are dense).
    let stride: Int
    let data: UnsafeRawPointer
    let scales: UnsafePointer<Float>?
    let zeros: UnsafePointer<Int32>?
}

/// Memory for preparing activations, reused by every layer of one forward pass.
final class ActivationBuffer: @unchecked Sendable {
    private let storage: UnsafeMutableRawPointer
    private let capacity: Int
    private let rowCapacity: Int
    private let scales: UnsafeMutablePointer<Float>
    private let zeros: UnsafeMutablePointer<Int32>

    /// Room for `rows × columns` values of any precision.
    init(rows: Int, columns: Int) {
        capacity = max(rows * columns * 2, 64)
        rowCapacity = max(rows, 1)
        storage = .allocate(byteCount: capacity, alignment: 64)
        scales = .allocate(capacity: rowCapacity)
        zeros = .allocate(capacity: rowCapacity)
    }

    deinit {
        storage.deallocate()
        scales.deallocate()
        zeros.deallocate()
    }

    /// Converts `rows × columns` floats (row stride `ldx`) for `precision`, rows spread over the cores.
    /// The result is valid until the next call.
    func prepare(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, ldx: Int, for precision: Precision
    ) -> PreparedActivations {
        precondition(rows * columns * 2 <= capacity && rows <= rowCapacity, "activation buffer too small")
        switch precision {
        case .fp32:
            return PreparedActivations(
                precision: .fp32, rows: rows, columns: columns, stride: ldx, data: UnsafeRawPointer(x), scales: nil,
                zeros: nil)
        case .bf16:
            let out = storage.assumingMemoryBound(to: UInt16.self)
            let source = UncheckedSendable(x)
            let target = UncheckedSendable(out)
            Parallel.forEachChunk(count: rows, grain: 32) { range in
                cdnnl_rows_to_bf16(
                    source.value + range.lowerBound * ldx, Int64(range.count), Int64(columns), Int64(ldx),
                    target.value + range.lowerBound * columns)
            }
            return PreparedActivations(
                precision: .bf16, rows: rows, columns: columns, stride: columns, data: UnsafeRawPointer(out),
                scales: nil, zeros: nil)
        case .int8:
            let out = storage.assumingMemoryBound(to: UInt8.self)
            let source = UncheckedSendable(x)
            let target = UncheckedSendable(out)
            let rowScales = UncheckedSendable(scales)
            let rowZeros = UncheckedSendable(zeros)
            Parallel.forEachChunk(count: rows, grain: 32) { range in
                cdnnl_rows_to_u8(
                    source.value + range.lowerBound * ldx, Int64(range.count), Int64(columns), Int64(ldx),
                    target.value + range.lowerBound * columns, rowScales.value + range.lowerBound,
                    rowZeros.value + range.lowerBound)
            }
            return PreparedActivations(
                precision: .int8, rows: rows, columns: columns, stride: columns, data: UnsafeRawPointer(out),
                scales: UnsafePointer(scales), zeros: UnsafePointer(zeros))
        }
    }
}
