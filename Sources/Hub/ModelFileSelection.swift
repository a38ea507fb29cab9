/// Which files of a model repo inference needs: configuration, safetensors weights, tokenizer files and
/// sentence-transformers module configurations; never README, pickled weights, ONNX or other exports.
public enum ModelFileSelection {
    /// Files wanted wherever they are (the repo root, or a sentence-transformers module folder like `1_Pooling/`).
    static let configurationNames: Set<String> = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "added_tokens.json", "sentencepiece.bpe.model", "spiece.model",
        "tokenizer.model", "vocab.txt", "vocab.json", "merges.txt", "modules.json", "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ]

    /// Whether inference needs `path` (a repo-relative path).
    public static func isNeeded(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last, !parts.contains(where: { $0.hasPrefix(".") }) else { return false }
        if parts.count == 1 {
            return configurationNames.contains(name) || isWeights(name) || name == "model.safetensors.index.json"
        }
        // Sentence-transformers modules live in numbered folders (`1_Pooling/config.json`, `2_Normalize/`);
        // exports (`onnx/`, `openvino/`) and checkpoints are not for AskDocs.
        return parts.count == 2 && parts[0].first?.isNumber == true && parts[0].contains("_")
            && name.hasSuffix(".json")
    }

    /// The needed files of `files`, or an error when the repo has no safetensors weights.
    public static func select(_ files: [HubRepoFile], repo: String) throws -> [HubRepoFile] {
        let chosen = files.filter { isNeeded($0.rfilename) }
        guard chosen.contains(where: { isWeights($0.rfilename) }) else {
            throw HubError.noSafetensors(repo: repo, found: files.map(\.rfilename).sorted())
        }
        return chosen
    }

    private static func isWeights(_ name: String) -> Bool {
        name.hasSuffix(".safetensors") && !name.contains("/")
    }
}
