/// Encoder inference (XLM-RoBERTa, RoBERTa, BERT) from safetensors checkpoints on OpenBLAS.
public enum TransformerModule {}
