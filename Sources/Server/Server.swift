/// The HTTP API (Hugging Face Inference-API compatible).
public enum ServerModule {}
