/// The SQLite store of documents and chunks, with migrations and an FTS5 index.
public enum DocumentStoreModule {}
