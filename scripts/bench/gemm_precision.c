/* GEMM precision benchmark: does oneDNN bf16 / int8 beat the engine's OpenBLAS fp32 on this CPU?
 *
 * Times C = A · Wᵀ (W stored [N, K] as a PyTorch Linear keeps it) for the xlm-roberta-large products.
 * Each lower-precision row pays for what the engine would have to do per call (converting or
 * quantizing the activations, dequantizing the output); weights are converted once, as a loader would.
 * "kernel only" rows leave those steps out, to show how much of the gap is the GEMM itself.
 *
 *   gemm_precision [runs=15] [max_rows=3072]
 * Built and run by gemm_precision.sh. Threads: OpenBLAS 2, oneDNN and the OpenMP loops OMP_NUM_THREADS.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

/* Declared by OpenBLAS but missing from some cblas.h variants. */
char *openblas_get_corename(void);
void openblas_set_num_threads(int);

static void check(dnnl_status_t status, const char *call, int line) {
    if (status != dnnl_success) fprintf(stderr, "line %d: %s failed (status %d)\n", line, call, status), exit(1);
}
#define DNNL(call) check((call), #call, __LINE__)

static dnnl_engine_t engine;
static dnnl_stream_t stream;

typedef struct {
    int M, K, N;
    float *A, *W, *C, *ref; /* activations M×K, Linear weight N×K, output and fp32 reference M×N */
    dnnl_memory_t a_f32, a_bf16, c_f32, w_f32, w_bf16, a_u8, w_s8, c_s32;
    dnnl_primitive_t to_bf16, mm_f32, mm_bf16, mm_s8;
    const char *impl_f32, *impl_bf16, *impl_s8;
    uint8_t *Aq;         /* per-row quantized activations */
    int8_t *Wq;          /* per-output-channel quantized weight, N×K */
    int32_t *C32, *zp, *wsum;
    float *sa, *sw;      /* activation scale per row, weight scale per output channel */
} Shape;

static void *xalloc(size_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    return p ? p : (perror("aligned_alloc"), exit(1), NULL);
}

/* Deterministic N(0, sigma) data (xorshift64* + Box–Muller), so runs compare. */
static void fill_normal(float *x, size_t n, float sigma, uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull | 1;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        for (int j = 0; j < 2; j++) {
            s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
            u[j] = ((s * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
        }
        double r = sqrt(-2 * log(u[0] + 1e-300)), t = 2 * M_PI * u[1];
        x[i] = (float)(sigma * r * cos(t));
        if (i + 1 < n) x[i + 1] = (float)(sigma * r * sin(t));
    }
}

static dnnl_memory_t memory(int rows, int cols, dnnl_data_type_t type, dnnl_format_tag_t tag, void *data) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {rows, cols};
    DNNL(dnnl_memory_desc_init_by_tag(&md, 2, dims, type, tag));
    dnnl_memory_t m;
    DNNL(dnnl_memory_create(&m, &md, engine, data ? data : DNNL_MEMORY_ALLOCATE));
    return m;
}

static dnnl_primitive_t make_reorder(dnnl_memory_t from, dnnl_memory_t to) {
    const dnnl_memory_desc_t *src, *dst;
    DNNL(dnnl_memory_get_memory_desc(from, &src));
    DNNL(dnnl_memory_get_memory_desc(to, &dst));
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create(&pd, src, engine, dst, engine, NULL));
    dnnl_primitive_t p;
    DNNL(dnnl_primitive_create(&p, pd));
    DNNL(dnnl_primitive_desc_destroy(pd));
    return p;
}

static void run_reorder(dnnl_primitive_t p, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    DNNL(dnnl_primitive_execute(p, stream, 2, args));
    DNNL(dnnl_stream_wait(stream));
}

/* A matmul whose weights oneDNN lays out itself (format "any"), then packed once from the plain
 * [N, K] buffer — the packed layout is what makes the bf16/int8 kernels fast. */
static dnnl_primitive_t make_matmul(const Shape *s, dnnl_data_type_t st, dnnl_data_type_t wt,
                                    dnnl_data_type_t dt, const void *w_plain, dnnl_memory_t *w_packed,
                                    const char **impl) {
    dnnl_memory_desc_t src, wei, dst;
    dnnl_dims_t sd = {s->M, s->K}, wd = {s->K, s->N}, dd = {s->M, s->N};
    DNNL(dnnl_memory_desc_init_by_tag(&src, 2, sd, st, dnnl_ab));
    DNNL(dnnl_memory_desc_init_by_tag(&wei, 2, wd, wt, dnnl_format_tag_any));
    DNNL(dnnl_memory_desc_init_by_tag(&dst, 2, dd, dt, dnnl_ab));
    dnnl_matmul_desc_t desc;
    DNNL(dnnl_matmul_desc_init(&desc, &src, &wei, NULL, &dst));
    dnnl_primitive_desc_t pd;
    /* oneDNN 2.6 has no bf16 matmul below AVX-512 (Zen 3, Haswell): report it unavailable, time the rest. */
    if (dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) == dnnl_unimplemented) {
        *impl = strdup("unavailable");
        *w_packed = NULL;
        return NULL;
    }
    const char *name;
    DNNL(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    *impl = strdup(name); /* the string belongs to pd */
    DNNL(dnnl_memory_create(w_packed, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine,
                            DNNL_MEMORY_ALLOCATE));
    /* Wᵀ as a K×N tensor is the [N, K] buffer read with tag "ba". */
    dnnl_memory_t plain = memory(s->K, s->N, wt == dnnl_s8 ? dnnl_s8 : dnnl_f32, dnnl_ba, (void *)w_plain);
    dnnl_primitive_t r = make_reorder(plain, *w_packed);
    run_reorder(r, plain, *w_packed);
    dnnl_primitive_destroy(r);
    dnnl_memory_destroy(plain);
    dnnl_primitive_t p;
    DNNL(dnnl_primitive_create(&p, pd));
    DNNL(dnnl_primitive_desc_destroy(pd));
    return p;
}

static void run_matmul(dnnl_primitive_t p, dnnl_memory_t src, dnnl_memory_t wei, dnnl_memory_t dst) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    DNNL(dnnl_primitive_execute(p, stream, 3, args));
    DNNL(dnnl_stream_wait(stream));
}

/* Dynamic asymmetric u8 per row (per token), as ONNX Runtime's dynamic quantization does: the range
 * always includes 0 so zero stays exact. */
static void quantize_rows(Shape *s) {
    const int K = s->K;
#pragma omp parallel for schedule(static)
    for (int m = 0; m < s->M; m++) {
        const float *x = s->A + (size_t)m * K;
        float lo = 0, hi = 0;
        /* omp simd: at -O2 GCC would leave these runtime-length loops scalar. */
#pragma omp simd reduction(min : lo) reduction(max : hi)
        for (int k = 0; k < K; k++) lo = x[k] < lo ? x[k] : lo, hi = x[k] > hi ? x[k] : hi;
        float scale = hi > lo ? (hi - lo) / 255 : 1;
        float inv = 1 / scale, zp = nearbyintf(-lo * inv);
        uint8_t *q = s->Aq + (size_t)m * K;
#pragma omp simd
        for (int k = 0; k < K; k++) {
            float v = x[k] * inv + zp + 0.5f; /* >= 0 by construction, so truncation rounds */
            q[k] = (uint8_t)(v > 255 ? 255 : v);
        }
        s->sa[m] = scale, s->zp[m] = (int32_t)zp;
    }
}

/* C = sa·sw·(Aq·Wqᵀ − zp·Σ_k Wq): the per-row zero point is folded out here because oneDNN 2.6 only
 * takes a single (per-tensor) source zero point. */
static void dequantize(Shape *s) {
    const int N = s->N;
#pragma omp parallel for schedule(static)
    for (int m = 0; m < s->M; m++) {
        const int32_t *c = s->C32 + (size_t)m * N;
        float *y = s->C + (size_t)m * N;
        const float a = s->sa[m];
        const int32_t z = s->zp[m];
#pragma omp simd
        for (int n = 0; n < N; n++) y[n] = a * s->sw[n] * (float)(c[n] - z * s->wsum[n]);
    }
}

static void openblas_fp32(Shape *s) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->M, s->N, s->K, 1, s->A, s->K, s->W, s->K, 0,
                s->C, s->N);
}
/* What Kernels.multiplyTransposed does: single-threaded OpenBLAS, one block of output features per core. */
static void openblas_split(Shape *s) {
#pragma omp parallel num_threads(2)
    {
        int t = omp_get_thread_num(), n0 = t ? s->N / 2 / 16 * 16 : 0, n1 = t ? s->N : s->N / 2 / 16 * 16;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->M, n1 - n0, s->K, 1, s->A, s->K,
                    s->W + (size_t)n0 * s->K, s->K, 0, s->C + n0, s->N);
    }
}
static void onednn_sgemm(Shape *s) {
    DNNL(dnnl_sgemm('N', 'T', s->M, s->N, s->K, 1, s->A, s->K, s->W, s->K, 0, s->C, s->N));
}
static void matmul_f32(Shape *s) { run_matmul(s->mm_f32, s->a_f32, s->w_f32, s->c_f32); }
static void matmul_bf16_kernel(Shape *s) { run_matmul(s->mm_bf16, s->a_bf16, s->w_bf16, s->c_f32); }
static void matmul_bf16(Shape *s) {
    run_reorder(s->to_bf16, s->a_f32, s->a_bf16); /* the engine's activations are fp32 */
    matmul_bf16_kernel(s);
}
static void matmul_int8_kernel(Shape *s) { run_matmul(s->mm_s8, s->a_u8, s->w_s8, s->c_s32); }
static void matmul_int8(Shape *s) {
    quantize_rows(s);
    matmul_int8_kernel(s);
    dequantize(s);
}
static void gemm_u8s8s32(Shape *s) {
    static const int32_t zero = 0;
    quantize_rows(s);
    /* Unlike the matmul primitive this repacks W on every call (no public pre-packing in 2.6). */
    DNNL(dnnl_gemm_u8s8s32('N', 'T', 'F', s->M, s->N, s->K, 1, s->Aq, s->K, 0, s->Wq, s->K, 0, 0, s->C32,
                           s->N, &zero));
    dequantize(s);
}

typedef struct {
    const char *name;
    void (*run)(Shape *);
    int blas_threads, checked; /* checked: the output is a full result to compare with fp32 */
    int bf16;                  /* needs oneDNN's bf16 matmul, which not every CPU has */
} Variant;

static const Variant variants[] = {
    {"openblas fp32 (2 thr)", openblas_fp32, 2, 1},
    {"openblas fp32 split 2x1", openblas_split, 1, 1},
    {"onednn dnnl_sgemm fp32", onednn_sgemm, 2, 1},
    {"onednn matmul fp32", matmul_f32, 2, 1},
    {"onednn matmul bf16", matmul_bf16, 2, 1, 1},
    {"  bf16 kernel only", matmul_bf16_kernel, 2, 0, 1},
    {"onednn matmul int8", matmul_int8, 2, 1},
    {"  int8 kernel only", matmul_int8_kernel, 2, 0},
    {"onednn gemm_u8s8s32", gemm_u8s8s32, 2, 1},
};

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double rel_error(const float *x, const float *ref, size_t n) {
    double d = 0, r = 0;
    for (size_t i = 0; i < n; i++) d += (double)(x[i] - ref[i]) * (x[i] - ref[i]), r += (double)ref[i] * ref[i];
    return sqrt(d / r);
}

static void setup(Shape *s) {
    size_t mk = (size_t)s->M * s->K, nk = (size_t)s->N * s->K, mn = (size_t)s->M * s->N;
    s->A = xalloc(mk * 4), s->W = xalloc(nk * 4), s->C = xalloc(mn * 4), s->ref = xalloc(mn * 4);
    fill_normal(s->A, mk, 1.0f, 1 + s->M + s->K), fill_normal(s->W, nk, 0.02f, 2 + s->N * 7 + s->K);
    s->a_f32 = memory(s->M, s->K, dnnl_f32, dnnl_ab, s->A);
    s->c_f32 = memory(s->M, s->N, dnnl_f32, dnnl_ab, s->C);
    s->a_bf16 = memory(s->M, s->K, dnnl_bf16, dnnl_ab, NULL);
    s->to_bf16 = make_reorder(s->a_f32, s->a_bf16);
    s->mm_f32 = make_matmul(s, dnnl_f32, dnnl_f32, dnnl_f32, s->W, &s->w_f32, &s->impl_f32);
    s->mm_bf16 = make_matmul(s, dnnl_bf16, dnnl_bf16, dnnl_f32, s->W, &s->w_bf16, &s->impl_bf16);
    /* Symmetric s8 per output channel: the weight's zero point must be 0 for VNNI's u8·s8. */
    s->Wq = xalloc(nk), s->sw = xalloc(s->N * 4), s->wsum = xalloc(s->N * 4);
    for (int n = 0; n < s->N; n++) {
        const float *w = s->W + (size_t)n * s->K;
        float amax = 0;
        for (int k = 0; k < s->K; k++) amax = fmaxf(amax, fabsf(w[k]));
        s->sw[n] = amax > 0 ? amax / 127 : 1;
        int32_t sum = 0;
        for (int k = 0; k < s->K; k++) sum += s->Wq[(size_t)n * s->K + k] = (int8_t)nearbyintf(w[k] / s->sw[n]);
        s->wsum[n] = sum;
    }
    s->Aq = xalloc(mk), s->sa = xalloc(s->M * 4), s->zp = xalloc(s->M * 4), s->C32 = xalloc(mn * 4);
    s->a_u8 = memory(s->M, s->K, dnnl_u8, dnnl_ab, s->Aq);
    s->c_s32 = memory(s->M, s->N, dnnl_s32, dnnl_ab, s->C32);
    s->mm_s8 = make_matmul(s, dnnl_u8, dnnl_s8, dnnl_s32, s->Wq, &s->w_s8, &s->impl_s8);
}

static void teardown(Shape *s) {
    dnnl_primitive_t ps[] = {s->to_bf16, s->mm_f32, s->mm_bf16, s->mm_s8};
    dnnl_memory_t ms[] = {s->a_f32, s->a_bf16, s->c_f32, s->w_f32, s->w_bf16, s->a_u8, s->w_s8, s->c_s32};
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) if (ps[i]) dnnl_primitive_destroy(ps[i]);
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++) if (ms[i]) dnnl_memory_destroy(ms[i]);
    void *bufs[] = {s->A, s->W, s->C, s->ref, s->Aq, s->Wq, s->C32, s->zp, s->wsum, s->sa, s->sw,
                    (void *)s->impl_f32, (void *)s->impl_bf16, (void *)s->impl_s8};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
}

static const char *isa_name(dnnl_cpu_isa_t isa) {
    static const struct { dnnl_cpu_isa_t isa; const char *name; } names[] = {
        {dnnl_cpu_isa_avx2, "avx2"}, {dnnl_cpu_isa_avx2_vnni, "avx2_vnni"},
        {dnnl_cpu_isa_avx512_core, "avx512_core"}, {dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni"},
        {dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"}, {dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].isa == isa) return names[i].name;
    return "other";
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 15, max_rows = argc > 2 ? atoi(argv[2]) : 3072;
    if (runs < 1) runs = 1;
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    DNNL(dnnl_engine_create(&engine, dnnl_cpu, 0));
    DNNL(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    const dnnl_version_t *v = dnnl_version();
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    printf("OPENBLAS_CORETYPE=%s  openblas_get_corename()=%s\n", coretype ? coretype : "(unset)",
           openblas_get_corename());
    printf("oneDNN %d.%d.%d  dnnl_get_effective_cpu_isa()=%s (0x%x)  omp_get_max_threads()=%d\n", v->major,
           v->minor, v->patch, isa_name(isa), (unsigned)isa, omp_get_max_threads());
    printf("median (and min) of %d runs after 2 warm-ups; speed-up vs openblas fp32 (2 thr); err = ||C-C32||/||C32||\n",
           runs);

    const int Ms[] = {384, 3072}, KNs[][2] = {{1024, 1024}, {1024, 4096}, {4096, 1024}};
    double *t = xalloc(runs * sizeof(double));
    for (int mi = 0; mi < 2 && Ms[mi] <= max_rows; mi++)
        for (int si = 0; si < 3; si++) {
            Shape s = {.M = Ms[mi], .K = KNs[si][0], .N = KNs[si][1]};
            setup(&s);
            double gflop = 2.0 * s.M * s.N * s.K / 1e9, base = 0;
            printf("\nM=%d K=%d N=%d (%.2f GFLOP)  impl f32=%s bf16=%s int8=%s\n", s.M, s.K, s.N, gflop, s.impl_f32,
                   s.impl_bf16, s.impl_s8);
            printf("  %-26s %10s %10s %9s %8s %10s\n", "variant", "median ms", "min ms", "GFLOP/s", "speedup",
                   "rel err");
            for (size_t vi = 0; vi < sizeof variants / sizeof *variants; vi++) {
                const Variant *var = &variants[vi];
                if (var->bf16 && !s.mm_bf16) {
                    printf("  %-26s %10s\n", var->name, "unavailable on this CPU");
                    continue;
                }
                openblas_set_num_threads(var->blas_threads);
                usleep(200000); /* let the other runtime's spinning threads go to sleep first */
                for (int w = 0; w < 2; w++) var->run(&s);
                for (int r = 0; r < runs; r++) {
                    double t0 = now_ms();
                    var->run(&s);
                    t[r] = now_ms() - t0;
                }
                qsort(t, runs, sizeof *t, by_value);
                double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
                if (vi == 0) base = med, memcpy(s.ref, s.C, (size_t)s.M * s.N * 4);
                printf("  %-26s %10.2f %10.2f %9.1f %7.2fx ", var->name, med, t[0], gflop / med * 1e3, base / med);
                if (var->checked) printf("%10.2e\n", rel_error(s.C, s.ref, (size_t)s.M * s.N));
                else printf("%10s\n", "-");
                fflush(stdout);
            }
            teardown(&s);
        }
    free(t);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return 0;
}
