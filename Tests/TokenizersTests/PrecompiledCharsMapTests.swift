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
}
