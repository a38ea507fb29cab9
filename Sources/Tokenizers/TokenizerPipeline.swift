/// The model at the end of the pipeline.
package enum TokenModel: Sendable {
    case unigram(UnigramModel)
    case wordPiece(WordPieceModel)

    var pieceCount: Int {
        switch self {
        case .unigram(let model): model.pieces.count
        case .wordPiece(let model): model.pieces.count
        }
    }

    /// The id of a vocabulary piece.
    package func id(of piece: String) -> Int32? {
        switch self {
        case .unigram(let model): model.id(of: piece)
        case .wordPiece(let model): model.id(of: piece)
        }
    }

    func piece(_ id: Int32) -> String? {
        let pieces: [String]
        switch self {
        case .unigram(let model): pieces = model.pieces
        case .wordPiece(let model): pieces = model.pieces
        }
        return id >= 0 && Int(id) < pieces.count ? pieces[Int(id)] : nil
    }
}

/// The reference's encode pipeline: added tokens → normalizer → pre-tokenizer → model → post-processor.
package struct TokenizerPipeline: Sendable {
    package var addedVocabulary: AddedVocabulary
    /// Added tokens matched on raw text (`normalized: false`) and on normalized text (`normalized: true`).
    package var rawAdded: AddedVocabulary
    package var normalizedAdded: AddedVocabulary
    package var normalizer: Normalizer?
    package var preTokenizer: PreTokenizer?
    package var model: TokenModel
    package var postProcessor: PostProcessor
    package var decoder: Decoder?
    package var padTokenId: Int32

    package init(
        addedTokens: [AddedToken], normalizedFlags: [Bool], normalizer: Normalizer?, preTokenizer: PreTokenizer?,
        model: TokenModel, postProcessor: PostProcessor, decoder: Decoder?, padTokenId: Int32?
    ) {
        addedVocabulary = AddedVocabulary(tokens: addedTokens)
        rawAdded = AddedVocabulary(tokens: zip(addedTokens, normalizedFlags).filter { !$0.1 }.map(\.0))
        // A normalized added token is matched by its normalized content.
        let normalizedTokens = zip(addedTokens, normalizedFlags).filter { $0.1 }.map { token, _ in
            var t = token
            if let normalizer {
                let scalars = token.content.unicodeScalars.map(\.value)
                var text = NormalizedText(original: scalars, range: 0..<scalars.count)
                normalizer.apply(&text)
                var content = ""
                content.unicodeScalars.append(contentsOf: text.scalars.compactMap(Unicode.Scalar.init))
                t.content = content
            }
            return t
        }
        normalizedAdded = AddedVocabulary(tokens: normalizedTokens)
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        let padByName = addedTokens.first { $0.content == "<pad>" || $0.content == "[PAD]" }?.id
        self.padTokenId = padTokenId ?? padByName ?? 0
    }

    package var vocabularySize: Int {
        max(model.pieceCount, (addedVocabulary.tokens.map { Int($0.id) }.max() ?? -1) + 1)
    }

    /// One sequence, no special tokens; sequence ids 0.
    package func encodeSequence(_ text: String) -> Encoding {
        let scalars = text.unicodeScalars.map(\.value)
        var out = Encoding.empty
        out.ids.reserveCapacity(scalars.count / 3)
        var scratch = UnigramScratch()
        // The index of the next pre-tokenizer split: the reference's word id (`into_encoding` enumerates the
        // non-empty splits, an added token being a split of its own).
        var word = 0
        var last = 0
        for (index, range) in rawAdded.matches(in: scalars) {
            if range.lowerBound > last {
                encodePiece(scalars, last..<range.lowerBound, into: &out, word: &word, scratch: &scratch)
            }
            // The token text is the matched span, stripped whitespace included, as in the reference.
            append(&out, id: rawAdded.tokens[index].id, token: Self.text(scalars[range]), offsets: range, word: word)
            word += 1
            last = range.upperBound
        }
        if last < scalars.count {
            encodePiece(scalars, last..<scalars.count, into: &out, word: &word, scratch: &scratch)
        }
        out.sequenceIds = Array(repeating: 0, count: out.ids.count)
        out.typeIds = Array(repeating: 0, count: out.ids.count)
        out.attentionMask = Array(repeating: 1, count: out.ids.count)
        return out
    }

    private static func text(_ scalars: ArraySlice<UInt32>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars.compactMap(Unicode.Scalar.init))
        return s
    }

    @inline(__always) private func append(
        _ out: inout Encoding, id: Int32, token: String, offsets: Range<Int>, word: Int
    ) {
        out.ids.append(id)
        out.tokens.append(token)
        out.offsets.append(offsets)
        out.wordIds.append(word)
    }

    /// Normalizes one raw piece between added tokens, then splits off normalized added tokens.
    private func encodePiece(
        _ scalars: [UInt32], _ range: Range<Int>, into out: inout Encoding, word: inout Int,
        scratch: inout UnigramScratch
    ) {
        var text = NormalizedText(original: scalars, range: range)
        normalizer?.apply(&text)
        let matches = normalizedAdded.matches(in: text.scalars)
        if matches.isEmpty {
            encodeNormalized(&text, into: &out, word: &word, scratch: &scratch)
            return
        }
        var last = 0
        for (index, match) in matches {
            if match.lowerBound > last {
                var sub = text.slice(last..<match.lowerBound)
                encodeNormalized(&sub, into: &out, word: &word, scratch: &scratch)
            }
            append(
                &out, id: normalizedAdded.tokens[index].id, token: Self.text(text.scalars[match]),
                offsets: text.originalRange(match), word: word)
            word += 1
            last = match.upperBound
        }
        if last < text.count {
            var sub = text.slice(last..<text.count)
            encodeNormalized(&sub, into: &out, word: &word, scratch: &scratch)
        }
    }

    /// Pre-tokenizes and runs the model over normalized text.
    private func encodeNormalized(
        _ text: inout NormalizedText, into out: inout Encoding, word: inout Int, scratch: inout UnigramScratch
    ) {
        guard !text.isEmpty else { return }
        guard let preTokenizer else {
            runModel(text, [0..<text.count], into: &out, word: &word, scratch: &scratch)
            return
        }
        if case .sequence = preTokenizer {
            for (split, words) in preTokenizer.splits(text) {
                runModel(split, words, into: &out, word: &word, scratch: &scratch)
            }
        } else {
            let words = preTokenizer.apply(&text)
            runModel(text, words, into: &out, word: &word, scratch: &scratch)
        }
    }

    /// Runs the model over each split `words` of `text`; each split is one word id.
    private func runModel(
        _ text: NormalizedText, _ words: [Range<Int>], into out: inout Encoding, word: inout Int,
        scratch: inout UnigramScratch
    ) {
        guard !words.isEmpty else { return }
        switch model {
        case .unigram(let unigram):
            encodeUnigram(unigram, text, words, into: &out, word: &word, scratch: &scratch)
        case .wordPiece(let wordPiece):
            for split in words {
                for (id, piece, range) in wordPiece.tokenize(text.scalars[split]) {
                    let r = (split.lowerBound + range.lowerBound)..<(split.lowerBound + range.upperBound)
                    append(&out, id: id, token: piece, offsets: text.originalRange(r), word: word)
                }
                word += 1
            }
        }
    }

    private func encodeUnigram(
        _ unigram: UnigramModel, _ text: NormalizedText, _ words: [Range<Int>], into out: inout Encoding,
        word: inout Int, scratch: inout UnigramScratch
    ) {
        // UTF-8 of the normalized text, with the scalar index at each scalar's first byte.
        let n = text.count
        var bytes = [UInt8](repeating: 0, count: n * 4 + 4)
        var scalarAt = [Int32](repeating: 0, count: n * 4 + 1)
        var byteOf = [Int](repeating: 0, count: n + 1)
        var p = 0
        for i in 0..<n {
            byteOf[i] = p
            scalarAt[p] = Int32(i)
            p += UnicodeTables.encodeUTF8(text.scalars[i], into: &bytes, at: p)
        }
        byteOf[n] = p
        scalarAt[p] = Int32(n)
        var tokens: [ModelTokenBytes] = []
        bytes.withUnsafeBufferPointer { all in
            for split in words {
                let lower = byteOf[split.lowerBound]
                let upper = byteOf[split.upperBound]
                let wordBytes = UnsafeBufferPointer(rebasing: all[lower..<upper])
                tokens.removeAll(keepingCapacity: true)
                unigram.tokens(wordBytes, unigram.segment(wordBytes, scratch: &scratch), into: &tokens)
                for token in tokens {
                    let start = Int(scalarAt[lower + token.range.lowerBound])
                    let end = Int(scalarAt[lower + token.range.upperBound])
                    append(
                        &out, id: token.id, token: token.token ?? unigram.pieces[Int(token.id)],
                        offsets: text.originalRange(start..<end), word: word)
                }
                word += 1
            }
        }
    }

    /// A (first, second) pair as `transformers` encodes it: an empty second text means no pair at all
    /// (`text_pair=""` is falsy there), so the first text gets the single-sequence template.
    package func encodePair(_ first: String, _ second: String, maxLength: Int?, stride: Int) -> [Encoding] {
        if second.isEmpty {
            let single = postProcessor.apply(first: encodeSequence(first), second: nil, addSpecialTokens: true)
            if let maxLength, single.count > maxLength { return [] }
            return [single]
        }
        return windows(
            first: encodeSequence(first), second: encodeSequence(second), maxLength: maxLength, stride: stride)
    }

    /// Windows of a pair, like the reference's `only_second` truncation with overflowing tokens.
    package func windows(first: Encoding, second: Encoding, maxLength: Int?, stride: Int) -> [Encoding] {
        guard let maxLength else {
            return [postProcessor.apply(first: first, second: second, addSpecialTokens: true)]
        }
        let total = first.count + second.count + postProcessor.addedTokens(pair: true)
        if total <= maxLength {
            return [postProcessor.apply(first: first, second: second, addSpecialTokens: true)]
        }
        let toRemove = total - maxLength
        guard second.count > toRemove else { return [] }
        let room = second.count - toRemove
        let overlap = min(max(stride, 0), room - 1)
        var windows: [Encoding] = []
        var start = 0
        while true {
            let stop = min(start + room, second.count)
            windows.append(
                postProcessor.apply(first: first, second: second.slice(start..<stop), addSpecialTokens: true))
            if stop == second.count { break }
            start += room - overlap
        }
        return windows
    }

    package func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let added = addedVocabulary.token(for: id) {
                if skipSpecialTokens && added.special { continue }
                tokens.append(added.content)
            } else if let piece = model.piece(id) {
                tokens.append(piece)
            }
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }
}
