// oneDNN matmul behind the small C API of CDNNL.h. See the header for the contract.
#include "CDNNL.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

// From libgomp (Debian's oneDNN runs on OpenMP); declared here so the shim needs no compiler's omp.h.
int omp_get_max_threads(void);
void omp_set_num_threads(int);

struct cdnnl_linear {
    cdnnl_precision precision;
    int64_t outputs, inputs;
    dnnl_memory_desc_t packed_md;  // the layout oneDNN's kernels read, the same for every row count
    void *packed;                  // the packed weight, 64-byte aligned
    size_t packed_bytes;
    int emulated;     // bf16 on a CPU without oneDNN's bf16 matmul: bf16-rounded weights in an fp32 kernel
    float *scales;    // int8: per-output weight scale
    int32_t *sums;    // int8: per-output sum of the quantized weights, to fold the activations' zero points out
};

// MARK: Errors

static void fail(char *error, size_t size, const char *format, ...) {
    if (!error || size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
}

static const char *status_name(dnnl_status_t status) {
    switch (status) {
    case dnnl_out_of_memory: return "out of memory";
    case dnnl_invalid_arguments: return "invalid arguments";
    case dnnl_unimplemented: return "not implemented for this CPU or shape";
    case dnnl_runtime_error: return "runtime error";
    default: return "failed";
    }
}

#define CHECK(call, label)                                                                          \
    do {                                                                                            \
        dnnl_status_t status_ = (call);                                                             \
        if (status_ != dnnl_success) {                                                              \
            fail(error, error_size, "oneDNN: %s (%s, status %d)", status_name(status_), #call,      \
                 (int)status_);                                                                     \
            goto label;                                                                             \
        }                                                                                           \
    } while (0)

// MARK: Engine, per-thread stream and scratch

static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void create_engine(void) { engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0); }

static int ready(char *error, size_t error_size) {
    pthread_once(&engine_once, create_engine);
    if (engine_status != dnnl_success) {
        fail(error, error_size, "oneDNN: cannot create the CPU engine (%s)", status_name(engine_status));
        return 0;
    }
    return 1;
}

// Calls run on the calling thread only: streams are per thread, and the scratch (oneDNN's scratchpad and the
// int8 accumulators) too, so concurrent calls share nothing mutable.
static __thread dnnl_stream_t thread_stream;
static __thread void *thread_scratch;
static __thread size_t thread_scratch_size;

static void *scratch(size_t bytes) {
    if (bytes <= thread_scratch_size) return thread_scratch;
    free(thread_scratch);
    size_t rounded = (bytes + 4095) / 4096 * 4096;
    thread_scratch = aligned_alloc(64, rounded);
    thread_scratch_size = thread_scratch ? rounded : 0;
    return thread_scratch;
}

size_t cdnnl_thread_scratch_bytes(void) { return thread_scratch_size; }

const char *cdnnl_isa(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}

// oneDNN's OpenMP runtime would otherwise start a team of every core inside each engine worker.
typedef struct { int saved; } single_thread;
static single_thread enter_single_thread(void) {
    single_thread s = {omp_get_max_threads()};
    if (s.saved != 1) omp_set_num_threads(1);
    return s;
}
static void leave_single_thread(single_thread s) {
    if (s.saved != 1) omp_set_num_threads(s.saved);
}

// MARK: Types

static dnnl_data_type_t source_type(cdnnl_precision p) {
    return p == CDNNL_BF16 ? dnnl_bf16 : p == CDNNL_INT8 ? dnnl_u8 : dnnl_f32;
}
static dnnl_data_type_t weight_type(cdnnl_precision p) {
    return p == CDNNL_BF16 ? dnnl_bf16 : p == CDNNL_INT8 ? dnnl_s8 : dnnl_f32;
}
static dnnl_data_type_t result_type(cdnnl_precision p) { return p == CDNNL_INT8 ? dnnl_s32 : dnnl_f32; }
// The precision oneDNN's kernel runs: emulated bf16 runs fp32 on values rounded to bf16.
static cdnnl_precision kernel_precision(const cdnnl_linear *l) { return l->emulated ? CDNNL_FP32 : l->precision; }


// MARK: Primitive cache

// One matmul primitive per (kernel precision, rows, shape): creating one JIT-compiles kernels, and a forward pass
// repeats the same few shapes in every layer. Sources and results are always dense (row stride = width): oneDNN
// 2.6's fast bf16/int8 kernels take only those, and fall back to its reference code (100× slower) otherwise.
// Entries live for the process (a few hundred at most are ever made; past the cap a call builds its own).
typedef struct {
    cdnnl_precision precision;
    int64_t rows, inputs, outputs;
    dnnl_primitive_t primitive;
    size_t scratchpad_bytes;
} cache_entry;

enum { cache_capacity = 512 };
static cache_entry cache[cache_capacity];
static int cache_count;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

// The implementation oneDNN chose; "ref" ones are its slow reference loops, refused so a missing fast path is
// an error rather than a silent slowdown.
static int is_reference(const_dnnl_primitive_desc_t pd) {
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl) return 0;
    return strncmp(impl, "ref", 3) == 0;
}

static dnnl_status_t make_matmul(
    cdnnl_precision precision, const dnnl_memory_desc_t *weights, int64_t rows, int64_t inputs, int64_t outputs,
    dnnl_primitive_t *out, size_t *scratchpad_bytes) {
    dnnl_memory_desc_t src, dst;
    dnnl_dims_t src_dims = {rows, inputs}, dst_dims = {rows, outputs};
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_matmul_desc_t desc;
    dnnl_status_t s;
    if ((s = dnnl_memory_desc_init_by_tag(&src, 2, src_dims, source_type(precision), dnnl_ab))) goto done;
    if ((s = dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, result_type(precision), dnnl_ab))) goto done;
    if ((s = dnnl_matmul_desc_init(&desc, &src, weights, NULL, &dst))) goto done;
    if ((s = dnnl_primitive_attr_create(&attr))) goto done;
    if ((s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user))) goto done;
    if ((s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL))) goto done;
    if (is_reference(pd)) {
        s = dnnl_unimplemented;
        goto done;
    }
    *scratchpad_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    s = dnnl_primitive_create(out, pd);
done:
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return s;
}

// A cached primitive, or a fresh one the caller must destroy (`*owned` = 1) once the cache is full.
static dnnl_status_t matmul_for(
    const cdnnl_linear *l, int64_t rows, dnnl_primitive_t *out, size_t *scratchpad_bytes, int *owned) {
    const cdnnl_precision precision = kernel_precision(l);
    *owned = 0;
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < cache_count; i++) {
        cache_entry *e = &cache[i];
        if (e->precision == precision && e->rows == rows && e->inputs == l->inputs && e->outputs == l->outputs) {
            *out = e->primitive;
            *scratchpad_bytes = e->scratchpad_bytes;
            pthread_mutex_unlock(&cache_lock);
            return dnnl_success;
        }
    }
    // Built under the lock: two workers asking for the same new shape then compile it once.
    dnnl_status_t s = make_matmul(precision, &l->packed_md, rows, l->inputs, l->outputs, out, scratchpad_bytes);
    if (s == dnnl_success) {
        if (cache_count < cache_capacity) {
            cache[cache_count++] = (cache_entry){precision, rows, l->inputs, l->outputs, *out, *scratchpad_bytes};
        } else {
            *owned = 1;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return s;
}

// MARK: Capabilities

// Whether oneDNN has a fast bf16 matmul here (AVX-512 cores; 2.6 has none for AVX2), asked once of oneDNN
// itself: a bf16 matmul it can build and would not run on its reference loops.
static int bf16_kernel;
static pthread_once_t bf16_once = PTHREAD_ONCE_INIT;

static void probe_bf16(void) {
    dnnl_memory_desc_t src, weights, dst;
    dnnl_dims_t src_dims = {64, 64}, weight_dims = {64, 64};
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_bf16, dnnl_ab)
        || dnnl_memory_desc_init_by_tag(&weights, 2, weight_dims, dnnl_bf16, dnnl_format_tag_any)
        || dnnl_memory_desc_init_by_tag(&dst, 2, src_dims, dnnl_f32, dnnl_ab)
        || dnnl_matmul_desc_init(&desc, &src, &weights, NULL, &dst)
        || dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL))
        return;
    bf16_kernel = !is_reference(pd);
    dnnl_primitive_desc_destroy(pd);
}

static int has_bf16_kernel(void) {
    pthread_once(&bf16_once, probe_bf16);
    return bf16_kernel;
}

// Whether int8 products accumulate u8·s8 pairs straight into int32 (VNNI). Without it oneDNN's kernels
// sum each pair of products in a saturating int16 (vpmaddubsw), exact only while |w| ≤ 63.
static int has_vnni(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni
        || (isa & dnnl_cpu_isa_avx2_vnni) == dnnl_cpu_isa_avx2_vnni;
}

int cdnnl_bf16_is_native(void) {
    pthread_once(&engine_once, create_engine);
    return engine_status == dnnl_success && has_bf16_kernel();
}

int cdnnl_int8_weight_bits(void) {
    pthread_once(&engine_once, create_engine);
    return has_vnni() ? 8 : 7;
}

// MARK: Conversions

// Activation rounding (bf16) and quantization (u8) run once per product over every activation, so they are
// compiled for AVX-512 and AVX2 beside the baseline and picked at load (ifunc); every variant computes the same
// values.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define CDNNL_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CDNNL_VECTOR_CLONES
#endif

// Round half to even by the float adder (1.5 × 2^23 pushes the fraction out), what nearbyintf does in the default
// rounding mode for |v| < 2^22; unlike a call to nearbyintf it vectorises. Quantized values stay within ±255.
static inline float round_half_even(float v) {
    const float magic = 12582912.0f;
    return (v + magic) - magic;
}

static inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // NaN stays a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1);  // round to nearest, ties to even
    return (uint16_t)(u >> 16);
}

CDNNL_VECTOR_CLONES
void cdnnl_rows_to_bf16(const float *x, int64_t rows, int64_t cols, int64_t ldx, uint16_t *out) {
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * ldx;
        uint16_t *o = out + r * cols;
        for (int64_t c = 0; c < cols; c++) o[c] = to_bf16(row[c]);
    }
}

CDNNL_VECTOR_CLONES
void cdnnl_rows_to_u8(
    const float *x, int64_t rows, int64_t cols, int64_t ldx, uint8_t *out, float *scales, int32_t *zeros) {
    enum { lanes = 16 };
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * ldx;
        // Independent lanes, so the minimum and maximum vectorise without reordering a reduction (either is exact
        // in any order, and every lane starts at 0 as the range must contain 0).
        float lo_lanes[lanes] = {0}, hi_lanes[lanes] = {0};
        int64_t c = 0;
        for (; c + lanes <= cols; c += lanes) {
            for (int j = 0; j < lanes; j++) {
                float v = row[c + j];
                lo_lanes[j] = v < lo_lanes[j] ? v : lo_lanes[j];
                hi_lanes[j] = v > hi_lanes[j] ? v : hi_lanes[j];
            }
        }
        float lo = 0, hi = 0;
        for (int j = 0; j < lanes; j++) {
            lo = lo_lanes[j] < lo ? lo_lanes[j] : lo;
            hi = hi_lanes[j] > hi ? hi_lanes[j] : hi;
        }
        for (; c < cols; c++) {
            lo = row[c] < lo ? row[c] : lo;
            hi = row[c] > hi ? row[c] : hi;
        }
        float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
        float zero = round_half_even(-lo / scale);
        zero = zero < 0 ? 0 : zero > 255 ? 255 : zero;
        uint8_t *o = out + r * cols;
        for (c = 0; c < cols; c++) {
            float q = round_half_even(row[c] / scale) + zero;
            o[c] = (uint8_t)(int32_t)(q < 0 ? 0 : q > 255 ? 255 : q);
        }
        scales[r] = scale;
        zeros[r] = (int32_t)zero;
    }
}

// MARK: Packing

// Packs the plain weight (`plain_type` values, [outputs, inputs] with row stride ldw) into oneDNN's layout for
// `kernel` (the precision the product runs in; fp32 for emulated bf16).
static cdnnl_linear *pack(
    cdnnl_precision precision, cdnnl_precision kernel, const void *plain, dnnl_data_type_t plain_type,
    int64_t outputs, int64_t inputs, int64_t ldw, char *error, size_t error_size) {
    if (!ready(error, error_size)) return NULL;
    if (outputs <= 0 || inputs <= 0 || ldw < inputs) {
        fail(error, error_size, "oneDNN: a %lld × %lld weight (row stride %lld) cannot be packed",
             (long long)outputs, (long long)inputs, (long long)ldw);
        return NULL;
    }
    cdnnl_linear *l = calloc(1, sizeof *l);
    if (!l) {
        fail(error, error_size, "oneDNN: out of memory");
        return NULL;
    }
    l->precision = precision;
    l->emulated = precision != kernel;
    l->outputs = outputs;
    l->inputs = inputs;
    single_thread threads = enter_single_thread();
    dnnl_memory_desc_t src, any, dst, plain_md;
    dnnl_dims_t src_dims = {64, inputs}, weight_dims = {inputs, outputs}, dst_dims = {64, outputs};
    dnnl_dims_t plain_strides = {1, ldw};  // Wᵀ as an inputs × outputs tensor is the [outputs, inputs] buffer
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL, reorder_pd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t from = NULL, to = NULL;
    dnnl_stream_t stream = NULL;
    int ok = 0;
    CHECK(dnnl_memory_desc_init_by_tag(&src, 2, src_dims, source_type(kernel), dnnl_ab), out);
    CHECK(dnnl_memory_desc_init_by_tag(&any, 2, weight_dims, weight_type(kernel), dnnl_format_tag_any), out);
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, result_type(kernel), dnnl_ab), out);
    CHECK(dnnl_matmul_desc_init(&desc, &src, &any, NULL, &dst), out);
    // The packed layout does not depend on the row count (checked for 1 to 3072 rows), so any count chooses it.
    CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL), out);
    if (is_reference(pd)) {
        fail(error, error_size, "oneDNN has no fast %s kernel on this CPU (it dispatches to %s)",
             kernel == CDNNL_BF16 ? "bf16" : kernel == CDNNL_INT8 ? "int8" : "fp32", cdnnl_isa());
        goto out;
    }
    l->packed_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    l->packed_bytes = dnnl_memory_desc_get_size(&l->packed_md);
    l->packed = aligned_alloc(64, (l->packed_bytes + 63) / 64 * 64);
    if (!l->packed) {
        fail(error, error_size, "oneDNN: out of memory packing a %lld × %lld weight", (long long)outputs,
             (long long)inputs);
        goto out;
    }
    CHECK(dnnl_memory_desc_init_by_strides(&plain_md, 2, weight_dims, plain_type, plain_strides), out);
    CHECK(dnnl_memory_create(&from, &plain_md, engine, (void *)plain), out);
    CHECK(dnnl_memory_create(&to, &l->packed_md, engine, l->packed), out);
    CHECK(dnnl_reorder_primitive_desc_create(&reorder_pd, &plain_md, engine, &l->packed_md, engine, NULL), out);
    CHECK(dnnl_primitive_create(&reorder, reorder_pd), out);
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags), out);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    CHECK(dnnl_primitive_execute(reorder, stream, 2, args), out);
    CHECK(dnnl_stream_wait(stream), out);
    ok = 1;
out:
    if (stream) dnnl_stream_destroy(stream);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (reorder_pd) dnnl_primitive_desc_destroy(reorder_pd);
    if (from) dnnl_memory_destroy(from);
    if (to) dnnl_memory_destroy(to);
    if (pd) dnnl_primitive_desc_destroy(pd);
    leave_single_thread(threads);
    if (!ok) {
        cdnnl_linear_destroy(l);
        return NULL;
    }
    return l;
}

static inline float from_bf16(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

cdnnl_linear *cdnnl_linear_create_bf16(
    const uint16_t *weight, int64_t outputs, int64_t inputs, int64_t ldw, char *error, size_t error_size) {
    if (!ready(error, error_size)) return NULL;
    if (has_bf16_kernel() || outputs <= 0 || inputs <= 0 || ldw < inputs)
        return pack(CDNNL_BF16, CDNNL_BF16, weight, dnnl_bf16, outputs, inputs, ldw, error, error_size);
    // No bf16 kernel: the bf16 values widened to fp32 (exactly) for an fp32 kernel. Products of two bf16
    // values are exact in fp32, so this is bf16 arithmetic with fp32 accumulation, only not faster.
    float *widened = malloc((size_t)outputs * inputs * sizeof *widened);
    if (!widened) {
        fail(error, error_size, "oneDNN: out of memory");
        return NULL;
    }
    for (int64_t n = 0; n < outputs; n++)
        for (int64_t k = 0; k < inputs; k++) widened[n * inputs + k] = from_bf16(weight[n * ldw + k]);
    cdnnl_linear *l = pack(CDNNL_BF16, CDNNL_FP32, widened, dnnl_f32, outputs, inputs, inputs, error, error_size);
    free(widened);
    return l;
}

cdnnl_linear *cdnnl_linear_create_s8(
    const int8_t *weight, const float *scales, int64_t outputs, int64_t inputs, int64_t ldw, char *error,
    size_t error_size) {
    if (!ready(error, error_size)) return NULL;
    const int limit = has_vnni() ? 127 : 63;
    for (int64_t n = 0; n < outputs && ldw >= inputs; n++)
        for (int64_t k = 0; k < inputs; k++)
            if (weight[n * ldw + k] > limit || weight[n * ldw + k] < -limit) {
                fail(error, error_size,
                     "int8 weights beyond ±%d would saturate oneDNN's int8 kernel on this CPU (%s, no VNNI); "
                     "quantize them to 7 bits", limit, cdnnl_isa());
                return NULL;
            }
    cdnnl_linear *l = pack(CDNNL_INT8, CDNNL_INT8, weight, dnnl_s8, outputs, inputs, ldw, error, error_size);
    if (!l) return NULL;
    l->scales = malloc(outputs * sizeof *l->scales);
    l->sums = malloc(outputs * sizeof *l->sums);
    if (!l->scales || !l->sums) {
        fail(error, error_size, "oneDNN: out of memory");
        cdnnl_linear_destroy(l);
        return NULL;
    }
    for (int64_t n = 0; n < outputs; n++) {
        int32_t sum = 0;
        for (int64_t k = 0; k < inputs; k++) sum += weight[n * ldw + k];
        l->sums[n] = sum;
        l->scales[n] = scales[n];
    }
    return l;
}

cdnnl_linear *cdnnl_linear_create(
    cdnnl_precision precision, const float *weight, int64_t outputs, int64_t inputs, int64_t ldw, char *error,
    size_t error_size) {
    if (precision == CDNNL_FP32 || outputs <= 0 || inputs <= 0 || ldw < inputs)  // the last reports the bad shape
        return pack(CDNNL_FP32, CDNNL_FP32, weight, dnnl_f32, outputs, inputs, ldw, error, error_size);
    if (!ready(error, error_size)) return NULL;
    cdnnl_linear *l = NULL;
    if (precision == CDNNL_BF16) {
        uint16_t *converted = malloc((size_t)outputs * inputs * sizeof *converted);
        if (!converted) {
            fail(error, error_size, "oneDNN: out of memory");
            return NULL;
        }
        cdnnl_rows_to_bf16(weight, outputs, inputs, ldw, converted);
        l = cdnnl_linear_create_bf16(converted, outputs, inputs, inputs, error, error_size);
        free(converted);
        return l;
    }
    // int8: symmetric per output row, as ONNX Runtime's per-channel QInt8 weights (zero point 0, as u8·s8
    // kernels need); 7 bits without VNNI, as its reduce_range, so no pair of products saturates.
    const int limit = cdnnl_int8_weight_bits() == 8 ? 127 : 63;
    int8_t *quantized = malloc((size_t)outputs * inputs);
    float *scales = malloc(outputs * sizeof *scales);
    if (!quantized || !scales) {
        free(quantized);
        free(scales);
        fail(error, error_size, "oneDNN: out of memory");
        return NULL;
    }
    cdnnl_quantize_weights(weight, outputs, inputs, ldw, limit, quantized, scales);
    l = cdnnl_linear_create_s8(quantized, scales, outputs, inputs, inputs, error, error_size);
    free(quantized);
    free(scales);
    return l;
}

void cdnnl_quantize_weights(
    const float *weight, int64_t outputs, int64_t inputs, int64_t ldw, int limit, int8_t *out, float *scales) {
    for (int64_t n = 0; n < outputs; n++) {
        const float *w = weight + n * ldw;
        float amax = 0;
        for (int64_t k = 0; k < inputs; k++) amax = fabsf(w[k]) > amax ? fabsf(w[k]) : amax;
        float scale = amax > 0 ? amax / (float)limit : 1.0f;
        for (int64_t k = 0; k < inputs; k++) {
            float q = nearbyintf(w[k] / scale);
            out[n * inputs + k] = (int8_t)(q < -limit ? -limit : q > limit ? limit : q);
        }
        scales[n] = scale;
    }
}

void cdnnl_linear_destroy(cdnnl_linear *l) {
    if (!l) return;
    free(l->packed);
    free(l->scales);
    free(l->sums);
    free(l);
}

size_t cdnnl_linear_bytes(const cdnnl_linear *l) {
    return l->packed_bytes + (l->scales ? l->outputs * (sizeof *l->scales + sizeof *l->sums) : 0);
}

cdnnl_precision cdnnl_linear_precision(const cdnnl_linear *l) { return l->precision; }

int cdnnl_linear_is_emulated(const cdnnl_linear *l) { return l->emulated; }

// MARK: Products

int cdnnl_linear_apply(
    const cdnnl_linear *l, const void *x, int64_t rows, int64_t ldx, const float *row_scales,
    const int32_t *row_zeros, float *y, int64_t ldy, float beta, char *error, size_t error_size) {
    if (rows == 0) return 0;
    if (!ready(error, error_size)) return -1;
    const int dense_input = l->precision != CDNNL_FP32;
    if (rows < 0 || ldx < l->inputs || (dense_input && ldx != l->inputs) || ldy < l->outputs
        || (beta != 0 && beta != 1)) {
        fail(error, error_size, "oneDNN: bad product arguments (rows %lld, ldx %lld, ldy %lld, beta %g)",
             (long long)rows, (long long)ldx, (long long)ldy, beta);
        return -1;
    }
    if (l->precision == CDNNL_INT8 && (!row_scales || !row_zeros)) {
        fail(error, error_size, "oneDNN: an int8 product needs the activations' scales and zero points");
        return -1;
    }
    const int int8 = l->precision == CDNNL_INT8;
    const int64_t n_count = l->outputs, k_count = l->inputs;
    single_thread threads = enter_single_thread();
    dnnl_primitive_t primitive = NULL;
    size_t pad_bytes = 0;
    int owned = 0, result = -1;
    dnnl_memory_t src = NULL, wei = NULL, dst = NULL, pad = NULL;
    const dnnl_memory_desc_t *src_md, *dst_md, *pad_md;
    const_dnnl_primitive_desc_t pd;
    CHECK(matmul_for(l, rows, &primitive, &pad_bytes, &owned), out);
    if (!thread_stream) CHECK(dnnl_stream_create(&thread_stream, engine, dnnl_stream_default_flags), out);
    // Thread scratch: the dense result (int32 or fp32), the dense fp32 input (strided fp32 or emulated bf16),
    // then oneDNN's own scratchpad.
    const int widen = l->emulated || (l->precision == CDNNL_FP32 && ldx != k_count);
    size_t result_bytes = ((size_t)rows * n_count * 4 + 63) / 64 * 64;
    size_t input_bytes = widen ? ((size_t)rows * k_count * 4 + 63) / 64 * 64 : 0;
    char *space = scratch(result_bytes + input_bytes + pad_bytes);
    if (!space) {
        fail(error, error_size, "oneDNN: out of memory for %zu bytes of scratch",
             result_bytes + input_bytes + pad_bytes);
        goto out;
    }
    void *dense_result = space;
    const void *input = x;
    if (widen) {
        float *wide = (float *)(space + result_bytes);
        for (int64_t m = 0; m < rows; m++) {
            float *row = wide + m * k_count;
            if (l->emulated) {
                const uint16_t *from = (const uint16_t *)x + m * ldx;
                for (int64_t k = 0; k < k_count; k++) row[k] = from_bf16(from[k]);
            } else {
                memcpy(row, (const float *)x + m * ldx, k_count * sizeof *row);
            }
        }
        input = wide;
    }
    CHECK(dnnl_primitive_get_primitive_desc(primitive, &pd), out);
    src_md = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    dst_md = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    pad_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    CHECK(dnnl_memory_create(&src, src_md, engine, (void *)input), out);
    CHECK(dnnl_memory_create(&wei, &l->packed_md, engine, l->packed), out);
    CHECK(dnnl_memory_create(&dst, dst_md, engine, dense_result), out);
    if (pad_bytes > 0) CHECK(dnnl_memory_create(&pad, pad_md, engine, space + result_bytes + input_bytes), out);
    dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}};
    CHECK(dnnl_primitive_execute(primitive, thread_stream, pad ? 4 : 3, args), out);
    CHECK(dnnl_stream_wait(thread_stream), out);
    for (int64_t m = 0; m < rows; m++) {
        float *out_row = y + m * ldy;
        if (int8) {
            // y = beta·y + sa·sw·(Σ q_x q_w − z·Σ q_w): the per-row zero point folded out exactly in int32,
            // because oneDNN 2.6 takes only one zero point per tensor.
            const int32_t *c = (const int32_t *)dense_result + m * n_count;
            const float a = row_scales[m];
            const int32_t z = row_zeros[m];
            if (beta == 0) {
                for (int64_t n = 0; n < n_count; n++) out_row[n] = a * l->scales[n] * (float)(c[n] - z * l->sums[n]);
            } else {
                for (int64_t n = 0; n < n_count; n++) out_row[n] += a * l->scales[n] * (float)(c[n] - z * l->sums[n]);
            }
        } else {
            const float *c = (const float *)dense_result + m * n_count;
            if (beta == 0) {
                memcpy(out_row, c, n_count * sizeof *c);
            } else {
                for (int64_t n = 0; n < n_count; n++) out_row[n] += c[n];
            }
        }
    }
    result = 0;
out:
    if (src) dnnl_memory_destroy(src);
    if (wei) dnnl_memory_destroy(wei);
    if (dst) dnnl_memory_destroy(dst);
    if (pad) dnnl_memory_destroy(pad);
    if (owned && primitive) dnnl_primitive_destroy(primitive);
    leave_single_thread(threads);
    return result;
}
