#ifndef CFAISS_H
#define CFAISS_H
// A small C API over FAISS (Debian's libfaiss-dev ships C++ only). Every function catches all C++
// exceptions: a non-zero return means failure and cfaiss_last_error() says why (per thread).
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An index created by cfaiss_index_new or cfaiss_index_read; owned by the caller.
typedef struct cfaiss_index cfaiss_index;

/// Distance used by an index.
typedef enum { CFAISS_METRIC_INNER_PRODUCT = 0, CFAISS_METRIC_L2 = 1 } cfaiss_metric;

/// The message of the last failure on this thread ("" when none).
const char *cfaiss_last_error(void);

/// Builds an index from a FAISS factory string ("Flat", "HNSW32", "IVF256,Flat", "IVF256,PQ16"...).
/// Indexes that do not store ids themselves are wrapped in an IDMap2, so vectors are always keyed by id.
int cfaiss_index_new(const char *factory, int32_t dimension, cfaiss_metric metric, cfaiss_index **out);
/// Frees an index; NULL is ignored.
void cfaiss_index_free(cfaiss_index *index);
/// Reads an index written by cfaiss_index_write.
int cfaiss_index_read(const char *path, cfaiss_index **out);
/// Writes an index to a file path (the caller makes the write atomic).
int cfaiss_index_write(const cfaiss_index *index, const char *path);

int32_t cfaiss_index_dimension(const cfaiss_index *index);
int64_t cfaiss_index_ntotal(const cfaiss_index *index);
/// 1 when the index can take vectors now, 0 when it must be trained first.
int32_t cfaiss_index_is_trained(const cfaiss_index *index);
/// 1 when the index's metric is inner product, 0 for L2.
int32_t cfaiss_index_metric(const cfaiss_index *index);

/// Trains on n vectors (row-major, n * dimension floats).
int cfaiss_index_train(cfaiss_index *index, int64_t n, const float *vectors);
/// Adds n vectors with their ids.
int cfaiss_index_add_with_ids(cfaiss_index *index, int64_t n, const float *vectors, const int64_t *ids);
/// Searches n queries; writes n * k scores and ids (id -1 where fewer than k vectors exist).
int cfaiss_index_search(const cfaiss_index *index, int64_t n, const float *queries, int64_t k, float *scores, int64_t *ids);
/// Removes vectors by id; *removed receives how many were removed. Fails for index types that cannot remove (HNSW).
int cfaiss_index_remove_ids(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed);
/// Sets a search-time parameter through faiss::ParameterSpace ("efSearch", "nprobe").
int cfaiss_index_set_parameter(cfaiss_index *index, const char *name, double value);
/// 1 when the index (or the index it wraps) supports remove_ids.
int32_t cfaiss_index_can_remove(const cfaiss_index *index);
/// Copies the stored vectors of n ids into out (n * dimension floats, lossy for compressed indexes).
/// Works for indexes wrapped in an IDMap2 (Flat, HNSW); fails for an absent id or an IVF index.
int cfaiss_index_reconstruct(const cfaiss_index *index, int64_t n, const int64_t *ids, float *out);

#ifdef __cplusplus
}
#endif
#endif
