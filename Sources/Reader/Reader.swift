/// Extractive question answering: context windows, span decoding, cross-passage ranking, SQuAD metrics.
public enum ReaderModule {}
