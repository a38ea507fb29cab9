import Foundation
import Testing
import Tokenizers

@Suite("JSON reader")
struct JSONValueTests {
    @Test("strings with escapes and surrogate pairs, numbers parsed exactly")
    func values() throws {
        let text =
            #"{"a": "x\"\\\/\n\u00e9\ud83d\ude00", "n": -3.4635426998138428, "i": 250001, "e": 1e-3, "t": true, "z": null, "l": [1, [2]]}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value["a"]?.stringValue == "x\"\\/\né😀")
        #expect(value["n"]?.doubleValue == -3.4635426998138428)
        #expect(value["i"]?.intValue == 250_001)
        #expect(value["e"]?.doubleValue == 0.001)
        #expect(value["t"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["l"]?.arrayValue?.count == 2)
    }

    @Test("object keys stay distinct byte-wise (no canonical-equivalence merging)")
    func distinctKeys() throws {
        let value = try JSONValue.parse(Data(#"{"\u00e9": 1, "e\u0301": 2}"#.utf8))
        #expect(value.objectValue?.count == 2)
        #expect(value["e\u{301}"]?.intValue == 2)
    }

    @Test("malformed input reports the byte offset", arguments: ["{\"a\": }", "[1, 2", "\"abc", "{} x", "nul"])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Data(text.utf8)) }
    }
}
