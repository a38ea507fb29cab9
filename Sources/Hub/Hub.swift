/// The Hugging Face cache layout and model downloads.
public enum HubModule {}
