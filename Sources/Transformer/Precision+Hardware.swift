import CDNNL

extension Precision {
    /// What this CPU does differently from the precision's fast path, for a one-line notice; nil when nothing.
    public var hardwareNote: String? {
        switch self {
        case .fp32:
            return nil
        case .bf16:
            guard cdnnl_bf16_is_native() == 0 else { return nil }
            return "this CPU has no bf16 kernel (oneDNN runs \(Precision.instructionSet)), so bf16 is emulated "
                + "in fp32: bf16 results, fp32 speed"
        case .int8:
            guard cdnnl_int8_weight_bits() < 8 else { return nil }
            return "this CPU has no VNNI (oneDNN runs \(Precision.instructionSet)), so int8 weights use 7 bits, "
                + "as ONNX Runtime's reduce_range"
        }
    }

    /// The instruction set oneDNN dispatches to here ("avx2", "avx512_core_bf16", ...).
    public static var instructionSet: String { String(cString: cdnnl_isa()) }
}

extension Precision {
    /// The bits int8 weights may use on this CPU: 8 with VNNI, else 7 (see `hardwareNote`).
    public static var int8WeightBits: Int { Int(cdnnl_int8_weight_bits()) }
}
