/// The post-processor template: where special tokens go around one or two sequences, and their type ids.
package struct PostProcessor: Sendable {
    /// One template item.
    package enum Piece: Sendable, Equatable {
        case special(ids: [Int32], tokens: [String], typeId: Int32)
        case sequence(first: Bool, typeId: Int32)
    }

    package var single: [Piece]
    package var pair: [Piece]

    /// No special tokens at all.
    package static let none = PostProcessor(
        single: [.sequence(first: true, typeId: 0)],
        pair: [.sequence(first: true, typeId: 0), .sequence(first: false, typeId: 1)])

    /// BERT's `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1`.
    package static func bert(cls: (String, Int32), sep: (String, Int32)) -> PostProcessor {
        PostProcessor(
            single: [
                .special(ids: [cls.1], tokens: [cls.0], typeId: 0), .sequence(first: true, typeId: 0),
                .special(ids: [sep.1], tokens: [sep.0], typeId: 0),
            ],
            pair: [
                .special(ids: [cls.1], tokens: [cls.0], typeId: 0), .sequence(first: true, typeId: 0),
                .special(ids: [sep.1], tokens: [sep.0], typeId: 0), .sequence(first: false, typeId: 1),
                .special(ids: [sep.1], tokens: [sep.0], typeId: 1),
            ])
    }

    /// RoBERTa's `<s> $A </s>` / `<s> $A </s> </s> $B </s>`.
    package static func roberta(cls: (String, Int32), sep: (String, Int32)) -> PostProcessor {
        PostProcessor(
            single: [
                .special(ids: [cls.1], tokens: [cls.0], typeId: 0), .sequence(first: true, typeId: 0),
                .special(ids: [sep.1], tokens: [sep.0], typeId: 0),
            ],
            pair: [
                .special(ids: [cls.1], tokens: [cls.0], typeId: 0), .sequence(first: true, typeId: 0),
                .special(ids: [sep.1], tokens: [sep.0], typeId: 0), .special(ids: [sep.1], tokens: [sep.0], typeId: 0),
                .sequence(first: false, typeId: 0), .special(ids: [sep.1], tokens: [sep.0], typeId: 0),
            ])
    }

    /// How many special tokens the template adds.
    package func addedTokens(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { count, piece in
            if case .special(let ids, _, _) = piece { return count + ids.count }
            return count
        }
    }

    /// Lays out `first` (and `second`) with the template's special tokens.
    package func apply(first: Encoding, second: Encoding?, addSpecialTokens: Bool) -> Encoding {
        let template = second == nil ? single : pair
        var out = Encoding.empty
        let total = first.count + (second?.count ?? 0) + (addSpecialTokens ? addedTokens(pair: second != nil) : 0)
        out.ids.reserveCapacity(total)
        out.tokens.reserveCapacity(total)
        out.offsets.reserveCapacity(total)
        out.sequenceIds.reserveCapacity(total)
        out.wordIds.reserveCapacity(total)
        out.typeIds.reserveCapacity(total)
        for piece in template {
            switch piece {
            case .special(let ids, let tokens, let typeId):
                guard addSpecialTokens else { continue }
                out.ids.append(contentsOf: ids)
                out.tokens.append(contentsOf: tokens)
                out.offsets.append(contentsOf: repeatElement(0..<0, count: ids.count))
                out.sequenceIds.append(contentsOf: repeatElement(nil, count: ids.count))
                out.wordIds.append(contentsOf: repeatElement(nil, count: ids.count))
                out.typeIds.append(contentsOf: repeatElement(typeId, count: ids.count))
            case .sequence(let isFirst, let typeId):
                guard let encoding = isFirst ? first : second else { continue }
                out.ids.append(contentsOf: encoding.ids)
                out.tokens.append(contentsOf: encoding.tokens)
                out.offsets.append(contentsOf: encoding.offsets)
                out.sequenceIds.append(contentsOf: repeatElement(isFirst ? 0 : 1, count: encoding.count))
                out.wordIds.append(contentsOf: encoding.wordIds)
                out.typeIds.append(contentsOf: repeatElement(typeId, count: encoding.count))
            }
        }
        out.attentionMask = Array(repeating: 1, count: out.ids.count)
        return out
    }
}
