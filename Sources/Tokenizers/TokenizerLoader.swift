import Foundation

/// Loads a tokenizer from a model directory or a `tokenizer.json` file.
public enum TokenizerLoader {
    /// Loads `tokenizer.json` from `directory`, or else `sentencepiece.bpe.model` (XLM-R conventions).
    public static func load(directory: URL) throws(TokenizerError) -> any Tokenizer {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) { return try load(tokenizerJSON: json) }
        let spm = directory.appendingPathComponent("sentencepiece.bpe.model")
        if FileManager.default.fileExists(atPath: spm.path) { return try load(sentencePieceModel: spm) }
        throw .noTokenizerFile(directory: directory.path)
    }

    /// Loads a Hugging Face `tokenizer.json` (Unigram or WordPiece model).
    public static func load(tokenizerJSON url: URL) throws(TokenizerError) -> any Tokenizer {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw .malformed(file: url.path, reason: "invalid JSON at byte \(error.offset)")
        }
        return try TokenizerJSON(root: root, file: url.path).tokenizer()
    }

    /// Loads a SentencePiece `sentencepiece.bpe.model` with the fairseq/XLM-R id layout.
    public static func load(sentencePieceModel url: URL) throws(TokenizerError) -> any Tokenizer {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        let proto: SentencePieceModel
        do {
            proto = try SentencePieceModel(data: [UInt8](data))
        } catch {
            throw .malformed(
                file: url.path,
                reason: "invalid SentencePiece model: \(error.errorDescription ?? "undecodable protobuf")")
        }
        return try proto.xlmRobertaTokenizer(file: url.path)
    }
}
