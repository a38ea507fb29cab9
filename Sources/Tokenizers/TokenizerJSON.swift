/// Builds a tokenizer pipeline from a parsed `tokenizer.json`.
struct TokenizerJSON {
    let root: JSONValue
    let file: String

    private func malformed(_ reason: String) -> TokenizerError { .malformed(file: file, reason: reason) }
    private func unsupported(_ component: String) -> TokenizerError { .unsupported(file: file, component: component) }

    /// `value` as an id or type id: Hugging Face stores them as `u32`, AskDocs as `Int32`, so an integer outside
    /// `0...Int32.max` is a malformed file (converting it with `Int32(_:)` would trap).
    private func identifier(_ value: Int, _ what: @autoclosure () -> String) throws(TokenizerError) -> Int32 {
        guard value >= 0, let id = Int32(exactly: value) else {
            throw malformed("\(what()) is \(value), outside 0...\(Int32.max)")
        }
        return id
    }

    func tokenizer() throws(TokenizerError) -> any Tokenizer {
        guard let modelJSON = root["model"], let type = modelJSON["type"]?.stringValue else {
            throw malformed("missing model.type")
        }
        var added: [AddedToken] = []
        var normalizedFlags: [Bool] = []
        for entry in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = entry["content"]?.stringValue, let rawId = entry["id"]?.intValue else {
                throw malformed("added token without content or id")
            }
            let id = try identifier(rawId, "added token \"\(content)\" id")
            added.append(
                AddedToken(
                    content: content, id: id, special: entry["special"]?.boolValue ?? false,
                    leftStrip: entry["lstrip"]?.boolValue ?? false, rightStrip: entry["rstrip"]?.boolValue ?? false,
                    singleWord: entry["single_word"]?.boolValue ?? false))
            normalizedFlags.append(entry["normalized"]?.boolValue ?? !(entry["special"]?.boolValue ?? false))
        }
        let model: TokenModel
        switch type {
        case "Unigram":
            guard let vocab = modelJSON["vocab"]?.arrayValue else { throw malformed("Unigram model without vocab") }
            var pieces: [String] = []
            var scores: [Double] = []
            pieces.reserveCapacity(vocab.count)
            scores.reserveCapacity(vocab.count)
            for entry in vocab {
                guard let pair = entry.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                    let score = pair[1].doubleValue
                else { throw malformed("Unigram vocab entry is not [piece, score]") }
                pieces.append(piece)
                scores.append(score)
            }
            guard let unk = modelJSON["unk_id"]?.intValue, unk >= 0, unk < pieces.count else {
                throw malformed("Unigram unk_id missing or out of range")
            }
            model = .unigram(
                UnigramModel(
                    pieces: pieces, scores: scores, unknownId: try identifier(unk, "Unigram unk_id"),
                    byteFallback: modelJSON["byte_fallback"]?.boolValue ?? false))
        case "WordPiece":
            guard let vocab = modelJSON["vocab"]?.objectValue else { throw malformed("WordPiece model without vocab") }
            var entries: [(String, Int32)] = []
            entries.reserveCapacity(vocab.count)
            for (piece, id) in vocab {
                guard let id = id.intValue else { throw malformed("WordPiece vocab id is not an integer") }
                // Ids index the piece table, so they must be dense: a huge one would allocate a table that size.
                guard id >= 0, id < vocab.count, let exact = Int32(exactly: id) else {
                    throw malformed("WordPiece vocab id \(id) of \"\(piece)\" is outside 0..<\(vocab.count)")
                }
                entries.append((piece, exact))
            }
            do {
                model = .wordPiece(
                    try WordPieceModel(
                        vocabulary: entries, unknownToken: modelJSON["unk_token"]?.stringValue ?? "[UNK]",
                        continuingSubwordPrefix: modelJSON["continuing_subword_prefix"]?.stringValue ?? "##",
                        maxInputCharsPerWord: modelJSON["max_input_chars_per_word"]?.intValue ?? 100))
            } catch {
                throw malformed(error.errorDescription ?? "WordPiece unk_token is not in the vocabulary")
            }
        default:
            throw unsupported("model \(type)")
        }
        let padTokenId = try root["padding"]?["pad_id"]?.intValue.map { v throws(TokenizerError) in
            try identifier(v, "padding.pad_id")
        }
        let pipeline = TokenizerPipeline(
            addedTokens: added, normalizedFlags: normalizedFlags, normalizer: try normalizer(root["normalizer"]),
            preTokenizer: try preTokenizer(root["pre_tokenizer"]), model: model,
            postProcessor: try postProcessor(root["post_processor"], added: added, model: model),
            decoder: decoder(root["decoder"]), padTokenId: padTokenId)
        if case .unigram = model { return UnigramTokenizer(pipeline: pipeline) }
        return WordPieceTokenizer(pipeline: pipeline)
    }

    private func normalizer(_ json: JSONValue?) throws(TokenizerError) -> Normalizer? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw malformed("normalizer without type") }
        switch type {
        case "Sequence":
            var list: [Normalizer] = []
            for item in json["normalizers"]?.arrayValue ?? [] {
                if let n = try normalizer(item) { list.append(n) }
            }
            return .sequence(list)
        case "Precompiled":
            guard let base64 = json["precompiled_charsmap"]?.stringValue, !base64.isEmpty else { return nil }
            do {
                return .precompiled(try PrecompiledCharsMap(base64: base64))
            } catch {
                throw malformed(error.errorDescription ?? "invalid precompiled_charsmap")
            }
        case "Replace":
            let pattern = ReplacePattern.parse(
                string: json["pattern"]?["String"]?.stringValue, regex: json["pattern"]?["Regex"]?.stringValue)
            guard let pattern, let content = json["content"]?.stringValue else {
                throw unsupported("Replace pattern \(json["pattern"]?["Regex"]?.stringValue ?? "?")")
            }
            return .replace(pattern, content: content.unicodeScalars.map(\.value))
        case "Strip":
            return .strip(left: json["strip_left"]?.boolValue ?? false, right: json["strip_right"]?.boolValue ?? false)
        case "BertNormalizer":
            let lowercase = json["lowercase"]?.boolValue ?? true
            return .bert(
                cleanText: json["clean_text"]?.boolValue ?? true,
                handleChineseChars: json["handle_chinese_chars"]?.boolValue ?? true,
                stripAccents: json["strip_accents"]?.boolValue ?? lowercase, lowercase: lowercase)
        case "Lowercase":
            return .lowercase
        case "NFD":
            return .nfd
        case "StripAccents":
            return .stripAccents
        default:
            throw unsupported("normalizer \(type)")
        }
    }

    private func preTokenizer(_ json: JSONValue?) throws(TokenizerError) -> PreTokenizer? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw malformed("pre_tokenizer without type") }
        switch type {
        case "Metaspace":
            let replacement = json["replacement"]?.stringValue?.unicodeScalars.first?.value ?? 0x2581
            var scheme: PreTokenizer.PrependScheme
            switch json["prepend_scheme"]?.stringValue {
            case "first": scheme = .first
            case "never": scheme = .never
            default: scheme = .always
            }
            if json["add_prefix_space"]?.boolValue == false { scheme = .never }
            return .metaspace(replacement: replacement, prependScheme: scheme, split: json["split"]?.boolValue ?? true)
        case "BertPreTokenizer":
            return .bert
        case "WhitespaceSplit":
            return .whitespaceSplit
        case "Sequence":
            var stages: [PreTokenizer] = []
            for item in json["pretokenizers"]?.arrayValue ?? [] {
                if let stage = try preTokenizer(item) { stages.append(stage) }
            }
            return stages.count == 1 ? stages[0] : .sequence(stages)
        default:
            throw unsupported("pre_tokenizer \(type)")
        }
    }

    private func postProcessor(_ json: JSONValue?, added: [AddedToken], model: TokenModel) throws(TokenizerError)
        -> PostProcessor
    {
        guard let json, !json.isNull else { return .none }
        guard let type = json["type"]?.stringValue else { throw malformed("post_processor without type") }
        func tokenPair(_ value: JSONValue?) throws(TokenizerError) -> (String, Int32) {
            guard let pair = value?.arrayValue, pair.count == 2, let token = pair[0].stringValue,
                let id = pair[1].intValue
            else { throw malformed("\(type) special token is not [token, id]") }
            return (token, try identifier(id, "\(type) special token \"\(token)\" id"))
        }
        switch type {
        case "BertProcessing":
            return .bert(cls: try tokenPair(json["cls"]), sep: try tokenPair(json["sep"]))
        case "RobertaProcessing":
            return .roberta(cls: try tokenPair(json["cls"]), sep: try tokenPair(json["sep"]))
        case "TemplateProcessing":
            var specials: [String: ([Int32], [String])] = [:]
            for (name, value) in json["special_tokens"]?.objectValue ?? [] {
                var ids: [Int32] = []
                for item in value["ids"]?.arrayValue ?? [] {
                    guard let id = item.intValue else {
                        throw malformed("TemplateProcessing special token \(name) has an id that is not an integer")
                    }
                    ids.append(try identifier(id, "TemplateProcessing special token \(name) id"))
                }
                let tokens = (value["tokens"]?.arrayValue ?? []).compactMap(\.stringValue)
                specials[name] = (ids, tokens)
            }
            func typeId(_ value: JSONValue?) throws(TokenizerError) -> Int32 {
                guard let value, !value.isNull else { return 0 }
                guard let id = value.intValue else { throw malformed("TemplateProcessing type_id is not an integer") }
                return try identifier(id, "TemplateProcessing type_id")
            }
            func template(_ value: JSONValue?) throws(TokenizerError) -> [PostProcessor.Piece] {
                var pieces: [PostProcessor.Piece] = []
                for item in value?.arrayValue ?? [] {
                    if let special = item["SpecialToken"] {
                        guard let name = special["id"]?.stringValue, let (ids, tokens) = specials[name] else {
                            throw malformed("TemplateProcessing special token not declared")
                        }
                        pieces.append(
                            .special(ids: ids, tokens: tokens, typeId: try typeId(special["type_id"])))
                    } else if let sequence = item["Sequence"] {
                        pieces.append(
                            .sequence(
                                first: sequence["id"]?.stringValue != "B",
                                typeId: try typeId(sequence["type_id"])))
                    } else {
                        throw malformed("TemplateProcessing piece is neither SpecialToken nor Sequence")
                    }
                }
                return pieces
            }
            return PostProcessor(single: try template(json["single"]), pair: try template(json["pair"]))
        default:
            throw unsupported("post_processor \(type)")
        }
    }

    private func decoder(_ json: JSONValue?) -> Decoder? {
        guard let json, let type = json["type"]?.stringValue else { return nil }
        switch type {
        case "Metaspace":
            let replacement = json["replacement"]?.stringValue?.unicodeScalars.first ?? "\u{2581}"
            let never = json["prepend_scheme"]?.stringValue == "never" || json["add_prefix_space"]?.boolValue == false
            return .metaspace(replacement: replacement, dropInFirstToken: !never)
        case "WordPiece":
            return .wordPiece(prefix: json["prefix"]?.stringValue ?? "##", cleanup: json["cleanup"]?.boolValue ?? true)
        default:
            return nil
        }
    }
}
