import COpenBLAS

/// What OpenBLAS runs on, for benchmark logs, and its thread count.
public enum BLASInfo {
    /// The kernel family OpenBLAS picked for this CPU (e.g. `Haswell`, `SkylakeX`, `Zen`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The threads OpenBLAS uses for one matrix product.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the threads OpenBLAS uses (process-wide).
    public static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// Experimental: split dense products across cores in Swift (meant with `setThreadCount(1)`).
    public static var splitAcrossCores: Bool {
        get { Kernels.splitOutputs }
        set { Kernels.splitOutputs = newValue }
    }
}
