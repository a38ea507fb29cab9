/// File readers (text, Markdown, HTML, JSON Lines, PDF) and the sentence-aware chunker.
public enum IngestModule {}
