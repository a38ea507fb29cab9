import Testing
import Tokenizers

@Suite("Trie")
struct TrieTests {
    let trie = Trie(
        keys: ["a", "ab", "abc", "b", "ab", "日本"].map { Array($0.utf8) }, values: [0, 1, 2, 3, 4, 5])

    @Test("prefixes come shortest first")
    func prefixes() {
        var found: [(Int32, Int)] = []
        Array("abcd".utf8).withUnsafeBufferPointer { bytes in
            trie.forEachPrefix(of: bytes, from: 0) { found.append(($0, $1)) }
        }
        #expect(found.map(\.0) == [0, 4, 2])
        #expect(found.map(\.1) == [1, 2, 3])
    }

    @Test("a repeated key keeps its last value; lookups are byte-exact")
    func exact() {
        #expect(trie.value(for: "ab".utf8) == 4)
        #expect(trie.value(for: "日本".utf8) == 5)
        #expect(trie.value(for: "日".utf8) == nil)
        #expect(trie.value(for: "abcd".utf8) == nil)
        #expect(trie.value(for: "e\u{301}".utf8) == nil)
    }
}
