import COpenBLAS
import Foundation
import Transformer

extension ForwardPass {
    /// Runs `body(window, head)` for every (window, head) pair: concurrently when the engine splits products
    /// itself (single-threaded OpenBLAS), one after another when OpenBLAS threads each product.
    func forEachHead(_ body: @escaping @Sendable (Int, Int) -> Void) {
        let heads = model.configuration.headCount
        let pairs = batch.count * heads
        if Parallel.splitsProducts {
            DispatchQueue.concurrentPerform(iterations: pairs) { body($0 / heads, $0 % heads) }
        } else {
            for pair in 0..<pairs { body(pair / heads, pair % heads) }
        }
    }

    /// `context = dropout(softmax(Q Kᵀ / √d)) V` per window and head, keeping the softmax for the backward pass.
    func attentionForward(layer: Int, cache: LayerCache) {
        let c = model.configuration
        let h = c.hiddenSize
        let d = c.headSize
        let scale = 1 / Float(d).squareRoot()
        let qkv = SharedPointer(cache.qkv)
        let probabilities = SharedPointer(cache.probabilities)
        let context = SharedPointer(cache.context)
        let offsets = self.offsets
        let blocks = probabilityOffsets
        let dropout = attentionDropout
        // Every (window, head) gets its own block of one shared buffer for the dropped-out probabilities.
        let dropped = dropout.map { _ in SharedPointer(arena.floats(blocks[blocks.count - 1])) }
        forEachHead { window, head in
            let start = offsets[window]
            let length = offsets[window + 1] - start
            let rows = qkv.base + start * 3 * h
            let block = probabilities.base + blocks[window] + head * length * length
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(d), scale,
                rows + head * d, Int32(3 * h), rows + h + head * d, Int32(3 * h), 0, block, Int32(length))
            Kernels.softmaxRowsSerial(block, rows: 0..<length, width: length)
            var weights = UnsafePointer(block)
            if let dropout, let dropped {
                let copy = dropped.base + blocks[window] + head * length * length
                copy.update(from: block, count: length * length)
                dropout.apply(site: Dropout.site(layer, 3, window, head), first: 0, count: length * length, to: copy)
                weights = UnsafePointer(copy)
            }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length), 1, weights,
                Int32(length), rows + 2 * h + head * d, Int32(3 * h), 0, context.base + start * h + head * d, Int32(h))
        }
    }

    /// The backward pass of attention: from `dContext` (`[tokens, h]`) into `dQKV` (`[tokens, 3h]`, overwritten).
    func attentionBackward(
        layer: Int, cache: LayerCache, dContext: UnsafeMutablePointer<Float>, dQKV: UnsafeMutablePointer<Float>
    ) {
        let c = model.configuration
        let h = c.hiddenSize
        let d = c.headSize
        let scale = 1 / Float(d).squareRoot()
        let qkv = SharedPointer(cache.qkv)
        let probabilities = SharedPointer(cache.probabilities)
        let upstream = SharedPointer(dContext)
        let target = SharedPointer(dQKV)
        let offsets = self.offsets
        let blocks = probabilityOffsets
        let dropout = attentionDropout
        let scratch = SharedPointer(arena.floats(blocks[blocks.count - 1]))
        forEachHead { window, head in
            let start = offsets[window]
            let length = offsets[window + 1] - start
            let area = length * length
            let rows = qkv.base + start * 3 * h
            let out = target.base + start * 3 * h
            let dHead = upstream.base + start * h + head * d
            let p = probabilities.base + blocks[window] + head * area
            let work = scratch.base + blocks[window] + head * area
            // dV = P'ᵀ · dContext, with P' the probabilities after dropout.
            work.update(from: p, count: area)
            let site = Dropout.site(layer, 3, window, head)
            dropout?.apply(site: site, first: 0, count: area, to: work)
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length), 1, work,
                Int32(length), dHead, Int32(h), 0, out + 2 * h + head * d, Int32(3 * h))
            // dP' = dContext · Vᵀ, then through dropout: dP = dP' ⊙ mask / (1 - p).
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(d), 1, dHead, Int32(h),
                rows + 2 * h + head * d, Int32(3 * h), 0, work, Int32(length))
            dropout?.apply(site: site, first: 0, count: area, to: work)
            // Softmax backward per row: dS = P ⊙ (dP - Σ_k dP_k P_k).
            for i in 0..<length {
                let pr = p + i * length
                let gr = work + i * length
                var dot: Float = 0
                for j in 0..<length { dot += pr[j] * gr[j] }
                for j in 0..<length { gr[j] = pr[j] * (gr[j] - dot) }
            }
            // dQ = scale · dS · K and dK = scale · dSᵀ · Q.
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length), scale, work,
                Int32(length), rows + h + head * d, Int32(3 * h), 0, out + head * d, Int32(3 * h))
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length), scale, work,
                Int32(length), rows + head * d, Int32(3 * h), 0, out + h + head * d, Int32(3 * h))
        }
    }
}
