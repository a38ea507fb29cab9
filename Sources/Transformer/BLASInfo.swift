import COpenBLAS
import Foundation

/// What OpenBLAS runs on, for benchmark logs, and its thread count.
public enum BLASInfo {
    /// The kernel family OpenBLAS picked for this CPU (e.g. `Haswell`, `SkylakeX`, `Zen`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The threads OpenBLAS uses for one matrix product.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the threads OpenBLAS uses (process-wide). With 1 (what loading an `EncoderModel` sets), the
    /// encoder splits each product over the cores itself; with more, it leaves threading to OpenBLAS.
    public static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// Runs OpenBLAS single-threaded (once per process) so the encoder parallelises products itself;
    /// skipped when the environment sets `OPENBLAS_NUM_THREADS`, which then decides.
    public static func preferEngineParallelism() {
        _ = engineParallelism
    }

    private static let engineParallelism: Void = {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { openblas_set_num_threads(1) }
    }()

}
