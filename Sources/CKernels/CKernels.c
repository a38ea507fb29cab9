// See CKernels.h. Results must not depend on the variant picked, so nothing may be contracted into an FMA.
#include "CKernels.h"

#include <string.h>

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define CKERNELS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CKERNELS_CLONES
#endif

// FastMath.exp: Cephes-style range reduction and polynomial, 0 below -87.33654.
static inline float fast_exp(float value) {
    const float x = value < -87.33654f ? -87.33654f : (value > 88.3762f ? 88.3762f : value);
    const float magic = 12582912.0f;  // 1.5 × 2^23
    const float shifted = x * 1.44269504f + magic;
    const float n = shifted - magic;
    float r = x - n * 0.693359375f;
    r = r - n * -2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * (r * r) + r + 1.0f;
    uint32_t shifted_bits, magic_bits;
    memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
    memcpy(&magic_bits, &magic, sizeof magic_bits);
    const uint32_t exponent = ((shifted_bits - magic_bits) + 127u) << 23;
    float power;
    memcpy(&power, &exponent, sizeof power);
    const float result = y * power;
    return value < -87.33654f ? 0.0f : result;
}

// FastMath.erf: Abramowitz–Stegun 7.1.26.
static inline float fast_erf(float x) {
    const float a = x < 0 ? -x : x;
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    const float poly =
        ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    const float y = 1.0f - poly * fast_exp(-a * a);
    return x < 0 ? -y : y;
}

CKERNELS_CLONES
void ckernels_bias_gelu(float *y, int64_t rows, int64_t width, const float *bias) {
    for (int64_t row = 0; row < rows; row++) {
        float *restrict r = y + row * width;
        for (int64_t i = 0; i < width; i++) {
            const float x = r[i] + bias[i];
            r[i] = 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752f));
        }
    }
}

CKERNELS_CLONES
void ckernels_softmax_rows(float *scores, int64_t rows, int64_t width) {
    enum { lanes = 16 };
    for (int64_t row = 0; row < rows; row++) {
        float *restrict r = scores + row * width;
        // The maximum is exact in any order, so it may use as many lanes as the vector has.
        float m[lanes];
        for (int j = 0; j < lanes; j++) m[j] = -__builtin_inff();
        int64_t i = 0;
        for (; i + lanes <= width; i += lanes)
            for (int j = 0; j < lanes; j++) m[j] = r[i + j] > m[j] ? r[i + j] : m[j];
        float maximum = -__builtin_inff();
        for (int j = 0; j < lanes; j++) maximum = m[j] > maximum ? m[j] : maximum;
        for (; i < width; i++) maximum = r[i] > maximum ? r[i] : maximum;
        for (i = 0; i < width; i++) r[i] = fast_exp(r[i] - maximum);
        // The sum is not: four lanes (element i in lane i mod 4, the tail in lane 0), as the Swift loop adds.
        float s[4] = {0, 0, 0, 0};
        for (i = 0; i + 4 <= width; i += 4)
            for (int j = 0; j < 4; j++) s[j] += r[i + j];
        for (; i < width; i++) s[0] += r[i];
        const float inverse = 1.0f / ((s[0] + s[1]) + (s[2] + s[3]));
        for (i = 0; i < width; i++) r[i] *= inverse;
    }
}
