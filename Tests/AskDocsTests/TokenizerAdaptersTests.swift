import Foundation
import Ingest
import Testing
import Tokenizers

@testable import AskDocs

@Suite("Tokenizer adapters")
struct TokenizerAdaptersTests {
    static let sharedTokenizer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/models/xlmr-tokenizer/tokenizer.json")
        .standardizedFileURL

    /// `[p for p in tokenizer.tokenize(text.casefold()) if any(category(c)[0] in "LN" for c in p)]` as ids, from the
    /// XLM-R tokenizer in Python (scripts/reference/retrieval_reference.py's BM25 term rule).
    static let pythonTerms: [(String, [Int32])] = [
        ("Die Straße ist groß, oder?", [68, 6363, 2619, 443, 55215, 1367]),
        ("ΟΔΟΣ και ο δρόμος ς ΐ", [29106, 4094, 215, 1038, 59472, 4094, 8954, 1473]),
        ("长江是中国最长的河流。", [162976, 90021, 1800, 83944, 10970, 4695]),
        ("แม่น้ำเจ้าพระยาไหลผ่านกรุงเทพฯ", [141199, 17273, 8882, 11163, 97851, 13801, 88677]),
        ("İstanbul'da ılık — 3,5 km!", [17, 4384, 8516, 85, 32930, 92, 27398, 1785]),
    ]

    @Test("piece terms equal the Python reference rule (casefold, XLM-R pieces, letters or digits only)")
    func pieceTermsMatchPython() throws {
        let tokenizer = try TokenizerLoader.load(tokenizerJSON: Self.sharedTokenizer)
        let termizer = PieceTermizer(tokenizer: tokenizer)
        for (text, ids) in Self.pythonTerms {
            #expect(termizer.terms(text) == ids.map { "p\($0)" }, "\(text)")
        }
        #expect(termizer.identifier == "sentencepiece-casefold-v1/250002")
        #expect(termizer.terms("… — !") == [])
    }

    @Test("the token counter counts the tokenizer's ids without special tokens")
    func tokenCounter() throws {
        let tokenizer = try TokenizerLoader.load(tokenizerJSON: Self.sharedTokenizer)
        let counter = TokenizerTokenCounter(tokenizer: tokenizer)
        for text in ["Die Straße ist groß.", "长江是中国最长的河流。", ""] {
            #expect(counter.tokenCount(Substring(text)) == tokenizer.encode(text, addSpecialTokens: false).ids.count)
        }
        let chunker = Chunker(counter: counter)
        let text = String(repeating: "Der Rhein fließt durch Basel und Köln bis zur Nordsee. ", count: 80)
        for chunk in chunker.chunks(of: text) {
            #expect(chunk.tokenCount <= ChunkerConfiguration.default.tokenBudget)
            #expect(counter.tokenCount(Substring(chunk.text)) <= 316)
        }
    }

    @Test("case folding differs from lower-casing where Python's casefold does")
    func caseFolding() {
        #expect(CaseFolding.fold("Straße ẞ") == "strasse ss")
        #expect(CaseFolding.fold("ΟΔΟΣ δρόμος") == "οδοσ δρόμοσ")
        #expect(CaseFolding.fold("ﬁne") == "fine")
        #expect(CaseFolding.fold("Ilık") == "ilık")
    }
}
