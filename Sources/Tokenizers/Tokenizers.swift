/// Text to token ids and back, with character offsets: SentencePiece Unigram and WordPiece from `tokenizer.json`.
public enum TokenizersModule {}
