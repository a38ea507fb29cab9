#ifndef CKERNELS_H
#define CKERNELS_H
// Element-wise loops of the encoder that run over every activation, compiled for AVX-512 and AVX2 beside the
// baseline and picked at load; every variant computes bit for bit what the Swift reference (`FastMath`) does.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// In place on a dense `rows × width` block: `y = gelu(y + bias)` with erf's Abramowitz–Stegun 7.1.26 form and
/// `FastMath.exp`, in the same operation order as `Kernels.geluReference` (no fused multiply-adds).
void ckernels_bias_gelu(float *y, int64_t rows, int64_t width, const float *bias);

/// Softmax of each `width`-long row of a dense `rows × width` block in place, as `Kernels.softmaxRowsSerial`
/// computes it: `FastMath.exp(x - max)`, summed in four interleaved lanes in index order, times 1 / sum.
void ckernels_softmax_rows(float *scores, int64_t rows, int64_t width);

#ifdef __cplusplus
}
#endif

#endif
