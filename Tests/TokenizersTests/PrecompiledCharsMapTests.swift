import Foundation
import Testing
import Tokenizers

@Suite("Precompiled charsmap")
struct PrecompiledCharsMapTests {
    private func transform(_ map: PrecompiledCharsMap, _ text: String) -> String? {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            map.transform(bytes).map { scalars in
                var s = ""
                s.unicodeScalars.append(contentsOf: scalars)
                return s
            }
        }
    }

    @Test("rules of the nmt_nfkc map: compatibility forms, no rule for plain letters, NUL stops the lookup")
    func rules() throws {
        let map = try #require(NormalizerTests.charsMap)
        #expect(transform(map, "ｶ") == "カ")
        #expect(transform(map, "ﬁ") == "fi")
        #expect(transform(map, "①") == "1")
        #expect(transform(map, "a") == nil)
        #expect(transform(map, "\u{0}ｶ") == nil)
        // The shortest matching key wins even when the chunk is longer (the reference's results[0]).
        #expect(transform(map, "ｶx") == "カ")
    }

    @Test("malformed maps are errors", arguments: [[UInt8](), [8, 0, 0, 0, 1, 2], [4, 0, 0, 0, 0, 0, 0, 0, 0xFF]])
    func malformed(data: [UInt8]) {
        #expect(throws: PrecompiledCharsMapError.self) { try PrecompiledCharsMap(data: data) }
    }

    @Test("invalid base64 is an error")
    func base64() {
        #expect(throws: PrecompiledCharsMapError.self) { try PrecompiledCharsMap(base64: "not base64!") }
    }

    @Test("a trie value pointing past the replacement blob is no rule, not a trap")
    func valuePastBlob() throws {
        // 98 units; the root (unit 0) has offset 0, so "a" lands on unit 97, which carries label "a", a leaf and
        // offset 0: the leaf is unit 97 itself, value 0x161, far past the empty blob.
        var units = [UInt32](repeating: 0, count: 98)
        units[97] = 0x61 | 1 << 8
        var data: [UInt8] = [UInt8((98 * 4) & 0xFF), UInt8((98 * 4) >> 8), 0, 0]
        for unit in units {
            data += [UInt8(unit & 0xFF), UInt8(unit >> 8 & 0xFF), UInt8(unit >> 16 & 0xFF), UInt8(unit >> 24)]
        }
        let map = try PrecompiledCharsMap(data: data)
        let key = Array("a".utf8)
        #expect(key.withUnsafeBufferPointer { map.transform($0) } == nil)
    }
}
