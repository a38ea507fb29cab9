import Foundation

/// A read-only tensor of 32-bit floats that either views a memory-mapped file or owns converted storage.
public struct FloatTensor: @unchecked Sendable {
    /// The dimensions, outermost first.
    public let shape: [Int]
    // Valid for as long as `owner` lives: it is the mapping (SafetensorsFile) or an OwnedFloats box.
    let pointer: UnsafePointer<Float>
    private let owner: AnyObject

    init(shape: [Int], pointer: UnsafePointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.pointer = pointer
        self.owner = owner
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements in row-major order (copies them).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Calls `body` with the elements, without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(owner) { try body(UnsafeBufferPointer(start: pointer, count: count)) }
    }

    /// Hands the resident pages of a memory-mapped tensor back to the OS (clean file pages: touching them again
    /// re-reads the file). A layer packed for bf16 or int8 never reads its fp32 weight again, so its pages would
    /// otherwise count twice in the process's memory.
    func releaseResidentPages() {
        guard owner is SafetensorsFile else { return }
        MappedPages.release(UnsafeRawPointer(pointer), count: count * MemoryLayout<Float>.stride)
    }

    /// A tensor with freshly allocated storage that `fill` initialises.
    static func converting(shape: [Int], count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> FloatTensor {
        let box = OwnedFloats(count: count)
        fill(box.pointer)
        return FloatTensor(shape: shape, pointer: UnsafePointer(box.pointer), owner: box)
    }

    /// A tensor owning a copy of `values`.
    package init(shape: [Int], values: [Float]) {
        let box = OwnedFloats(count: values.count)
        for (index, value) in values.enumerated() { box.pointer[index] = value }
        self.init(shape: shape, pointer: UnsafePointer(box.pointer), owner: box)
    }
}

/// Heap storage for converted tensors, freed with the last FloatTensor that refers to it.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        pointer = .allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
