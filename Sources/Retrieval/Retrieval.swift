/// Sentence embeddings, the FAISS vector index and hybrid dense + BM25 fusion.
public enum RetrievalModule {}
