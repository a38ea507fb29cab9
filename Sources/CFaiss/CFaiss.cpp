#include "CFaiss.h"

#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeinfo>

struct cfaiss_index {
    std::unique_ptr<faiss::Index> index;
};

namespace {
thread_local std::string last_error;

template <typename Body>
int guarded(Body body) {
    try {
        last_error.clear();
        body();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown FAISS error";
    }
    return 1;
}

bool stores_ids(const faiss::Index *index) {
    return dynamic_cast<const faiss::IndexIVF *>(index) != nullptr ||
           dynamic_cast<const faiss::IndexIDMap *>(index) != nullptr ||
           dynamic_cast<const faiss::IndexIDMap2 *>(index) != nullptr;
}

const faiss::Index *unwrapped(const faiss::Index *index) {
    if (auto map = dynamic_cast<const faiss::IndexIDMap *>(index)) return map->index;
    return index;
}
}  // namespace

extern "C" {

const char *cfaiss_last_error(void) { return last_error.c_str(); }

int cfaiss_index_new(const char *factory, int32_t dimension, cfaiss_metric metric, cfaiss_index **out) {
    return guarded([&] {
        if (!factory || !out) throw std::invalid_argument("factory and out must not be NULL");
        if (dimension <= 0) throw std::invalid_argument("dimension must be positive");
        faiss::MetricType m = metric == CFAISS_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
        std::unique_ptr<faiss::Index> base(faiss::index_factory(dimension, factory, m));
        if (!stores_ids(base.get())) {
            auto map = std::make_unique<faiss::IndexIDMap2>(base.release());
            map->own_fields = true;
            base = std::move(map);
        }
        *out = new cfaiss_index{std::move(base)};
    });
}

void cfaiss_index_free(cfaiss_index *index) { delete index; }

int cfaiss_index_read(const char *path, cfaiss_index **out) {
    return guarded([&] {
        if (!path || !out) throw std::invalid_argument("path and out must not be NULL");
        std::unique_ptr<faiss::Index> index(faiss::read_index(path));
        if (!stores_ids(index.get())) throw std::runtime_error(std::string(path) + " is not an id-keyed index");
        *out = new cfaiss_index{std::move(index)};
    });
}

int cfaiss_index_write(const cfaiss_index *index, const char *path) {
    return guarded([&] { faiss::write_index(index->index.get(), path); });
}

int32_t cfaiss_index_dimension(const cfaiss_index *index) { return index->index->d; }
int64_t cfaiss_index_ntotal(const cfaiss_index *index) { return index->index->ntotal; }
int32_t cfaiss_index_is_trained(const cfaiss_index *index) { return index->index->is_trained ? 1 : 0; }
int32_t cfaiss_index_metric(const cfaiss_index *index) {
    return index->index->metric_type == faiss::METRIC_INNER_PRODUCT ? 1 : 0;
}

int cfaiss_index_train(cfaiss_index *index, int64_t n, const float *vectors) {
    return guarded([&] { index->index->train(n, vectors); });
}

int cfaiss_index_add_with_ids(cfaiss_index *index, int64_t n, const float *vectors, const int64_t *ids) {
    return guarded([&] {
        if (!index->index->is_trained) throw std::runtime_error("the index must be trained before vectors are added");
        index->index->add_with_ids(n, vectors, reinterpret_cast<const faiss::Index::idx_t *>(ids));
    });
}

int cfaiss_index_search(const cfaiss_index *index, int64_t n, const float *queries, int64_t k, float *scores,
                        int64_t *ids) {
    return guarded([&] {
        if (k <= 0) throw std::invalid_argument("k must be positive");
        index->index->search(n, queries, k, scores, reinterpret_cast<faiss::Index::idx_t *>(ids));
    });
}

int cfaiss_index_remove_ids(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed) {
    return guarded([&] {
        if (!cfaiss_index_can_remove(index)) throw std::runtime_error("this index type cannot remove vectors (HNSW); rebuild it instead");
        faiss::IDSelectorArray selector(n, reinterpret_cast<const faiss::Index::idx_t *>(ids));
        size_t count = index->index->remove_ids(selector);
        if (removed) *removed = static_cast<int64_t>(count);
    });
}

int cfaiss_index_set_parameter(cfaiss_index *index, const char *name, double value) {
    return guarded([&] {
        faiss::ParameterSpace space;
        space.set_index_parameter(index->index.get(), name, value);
    });
}

int32_t cfaiss_index_can_remove(const cfaiss_index *index) {
    // faiss/IndexHNSW.h includes <omp.h>, which Swift's clang lacks, so HNSW is recognised by its type name.
    const faiss::Index *inner = unwrapped(index->index.get());
    return std::string(typeid(*inner).name()).find("IndexHNSW") == std::string::npos ? 1 : 0;
}

int cfaiss_index_reconstruct(const cfaiss_index *index, int64_t n, const int64_t *ids, float *out) {
    return guarded([&] {
        // Only IDMap2 keeps the id -> row map that makes reconstruction by id possible; an unknown id
        // throws std::out_of_range from rev_map.at, which guarded() turns into an error.
        auto map = dynamic_cast<const faiss::IndexIDMap2 *>(index->index.get());
        if (!map) throw std::runtime_error("this index type cannot return its vectors by id (IVF); rebuild it from the embeddings");
        const int64_t d = map->d;
        for (int64_t i = 0; i < n; i++) {
            auto row = map->rev_map.find(ids[i]);
            if (row == map->rev_map.end()) throw std::runtime_error("id " + std::to_string(ids[i]) + " is not in the index");
            map->index->reconstruct(row->second, out + i * d);
        }
    });
}

}  // extern "C"
