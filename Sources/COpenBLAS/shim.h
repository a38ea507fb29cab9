#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian libopenblas-dev; include path from pkg-config "openblas").
#include <cblas.h>

// Declared by OpenBLAS but not in every cblas.h variant; benchmarks log the kernel and threads in use.
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
#endif
