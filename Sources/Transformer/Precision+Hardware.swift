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
    /// The precision of a block's feed-forward output projection when the block runs in `self`. Its input is the
    /// GELU output, whose outliers per-token u8 quantization holds least well, and with 7-bit weights (no VNNI)
    /// int8 keeps it in fp32 (OpenBLAS): measured on the shared XQuAD reader (4 languages, held-out articles),
    /// answers identical to fp32 went from 88.7 % to 94.7 % with that one projection in fp32, while the
    /// intermediate projection (89.7 %), the last layers or the first and last (88.4–88.8 %) in fp32 changed
    /// little. With 8-bit weights (VNNI) every projection runs int8: on all 11 languages' held-out questions 95.5 %
    /// of answers were identical to fp32 (bf16 for this one projection: 96.3 %, at twice its cost) (README).
    public var feedForwardOutputPrecision: Precision {
        guard self == .int8 else { return self }
        return Precision.int8WeightBits == 8 ? .int8 : .fp32
    }

    /// The bits int8 weights may use on this CPU: 8 with VNNI, else 7 (see `hardwareNote`).
    public static var int8WeightBits: Int { Int(cdnnl_int8_weight_bits()) }
}
