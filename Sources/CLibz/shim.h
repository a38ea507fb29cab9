#ifndef CLIBZ_SHIM_H
#define CLIBZ_SHIM_H
#include <zlib.h>

// Swift cannot call inflateInit2 (a macro that passes the version and struct size): wrap it.
static inline int clibz_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
