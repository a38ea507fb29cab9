#ifndef CDNNL_H
#define CDNNL_H
// Linear layers (y = x · Wᵀ) through oneDNN's matmul in fp32, bf16 or int8, for Swift. The weight is packed once
// into the layout oneDNN's kernels read; every call runs on the calling thread only, so the engine keeps its own
// threading (it splits a layer's outputs over its workers, each calling with one slice).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The arithmetic of a packed linear layer.
typedef enum {
    /// fp32 products.
    CDNNL_FP32 = 0,
    /// bf16 inputs and weights, fp32 accumulation and output.
    CDNNL_BF16 = 1,
    /// u8 activations (per-row scale and zero point) times s8 weights (per-output scale), int32 accumulation.
    CDNNL_INT8 = 2,
} cdnnl_precision;

/// One packed weight: `outputs` rows of `inputs` values, as a PyTorch Linear keeps it.
typedef struct cdnnl_linear cdnnl_linear;

/// The instruction set oneDNN dispatches to on this CPU ("avx512_core_bf16", "avx2", ...), NUL-terminated.
const char *cdnnl_isa(void);

/// Whether bf16 products run on a bf16 kernel here (AVX-512); otherwise bf16 layers are emulated: their bf16
/// values widened exactly to fp32 for an fp32 kernel, the same arithmetic (up to summation order), not faster.
int cdnnl_bf16_is_native(void);

/// The bits int8 weights may use here: 8 with VNNI, else 7 (|q| ≤ 63), because without VNNI oneDNN sums each
/// pair of u8·s8 products in a saturating int16, as ONNX Runtime's `reduce_range` avoids.
int cdnnl_int8_weight_bits(void);

/// Quantizes each output row of `weight` symmetrically to [-limit, limit] (scale = max |w| / limit, round half
/// to even) into a dense `[outputs, inputs]` block and its `scales`.
void cdnnl_quantize_weights(
    const float *weight, int64_t outputs, int64_t inputs, int64_t ldw, int limit, int8_t *out, float *scales);

/// Packs an fp32 weight `[outputs, inputs]` (row stride `ldw`) for `precision`; int8 quantizes each output row
/// with `cdnnl_quantize_weights` to `cdnnl_int8_weight_bits()`. NULL on failure, with the reason in `error`.
cdnnl_linear *cdnnl_linear_create(
    cdnnl_precision precision, const float *weight, int64_t outputs, int64_t inputs, int64_t ldw, char *error,
    size_t error_size);

/// Packs a bf16 weight `[outputs, inputs]` (raw bits, row stride `ldw`) for bf16 products.
cdnnl_linear *cdnnl_linear_create_bf16(
    const uint16_t *weight, int64_t outputs, int64_t inputs, int64_t ldw, char *error, size_t error_size);

/// Packs an already quantized s8 weight `[outputs, inputs]` (row stride `ldw`) with its per-output `scales`;
/// fails on values this CPU's kernel would saturate on (see `cdnnl_int8_weight_bits`).
cdnnl_linear *cdnnl_linear_create_s8(
    const int8_t *weight, const float *scales, int64_t outputs, int64_t inputs, int64_t ldw, char *error,
    size_t error_size);

/// Frees a packed weight.
void cdnnl_linear_destroy(cdnnl_linear *linear);

/// Bytes the packed weight (and its scales) occupy.
size_t cdnnl_linear_bytes(const cdnnl_linear *linear);

/// The layer's precision.
cdnnl_precision cdnnl_linear_precision(const cdnnl_linear *linear);

/// 1 when a bf16 layer runs emulated on an fp32 kernel (see `cdnnl_bf16_is_native`).
int cdnnl_linear_is_emulated(const cdnnl_linear *linear);

/// Rounds `rows` rows of `cols` floats (row stride `ldx`) to bf16, round to nearest even, into a dense block.
void cdnnl_rows_to_bf16(const float *x, int64_t rows, int64_t cols, int64_t ldx, uint16_t *out);

/// Quantizes each row to u8 with its own scale and zero point, the range always containing 0 (so 0 stays
/// exact), as ONNX Runtime's DynamicQuantizeLinear does per tensor. Writes a dense block, `scales` and `zeros`.
void cdnnl_rows_to_u8(
    const float *x, int64_t rows, int64_t cols, int64_t ldx, uint8_t *out, float *scales, int32_t *zeros);

/// `y[rows × outputs] = beta · y + x · Wᵀ` (beta 0 or 1; `ldy` the row stride of y), on the calling thread.
/// `x` is what the precision reads: fp32 rows with stride `ldx`; bf16 or u8 rows from the functions above
/// (dense: `ldx` must equal inputs), u8 with the `scales` and `zeros` they wrote (NULL otherwise). oneDNN writes
/// a dense block in thread scratch that is then copied (or added) into y, so any `ldy` keeps its fast kernels.
/// Returns 0, or -1 with the reason in `error`.
int cdnnl_linear_apply(
    const cdnnl_linear *linear, const void *x, int64_t rows, int64_t ldx, const float *scales, const int32_t *zeros,
    float *y, int64_t ldy, float beta, char *error, size_t error_size);

/// Bytes of scratch a thread holds for calls like this one (freed when the thread ends), for memory reports.
size_t cdnnl_thread_scratch_bytes(void);

#ifdef __cplusplus
}
#endif
#endif
