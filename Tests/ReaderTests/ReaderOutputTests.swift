import Foundation
import Testing

@testable import Reader

@Suite("Pipeline-shaped JSON output")
struct ReaderOutputTests {
    let paris = AnswerSpan(answer: "Paris", score: 0.5, start: 10, end: 15)
    let lyon = AnswerSpan(answer: "Lyon", score: 0.25, start: 20, end: 24)

    func json(_ output: ReaderOutput) throws -> String { String(decoding: try output.jsonData(), as: UTF8.self) }

    @Test("one answer is an object, several or none a list")
    func shapes() throws {
        #expect(try json(ReaderOutput(answers: [paris])) == #"{"answer":"Paris","end":15,"score":0.5,"start":10}"#)
        #expect(
            try json(ReaderOutput(answers: [paris, lyon]))
                == #"[{"answer":"Paris","end":15,"score":0.5,"start":10},{"answer":"Lyon","end":24,"score":0.25,"start":20}]"#
        )
        #expect(try json(ReaderOutput(answers: [])) == "[]")
    }

    @Test("raw logits on request")
    func logits() throws {
        let window = ReaderWindow(
            offsets: [0..<0, 0..<5], sequenceIds: [nil, 1], wordIds: [nil, 0], startLogits: [1, 2], endLogits: [3, 4])
        #expect(
            try json(ReaderOutput(answers: [paris], windows: [window]))
                == #"{"answers":[{"answer":"Paris","end":15,"score":0.5,"start":10}],"logits":[{"end":[3,4],"start":[1,2]}]}"#
        )
    }

    @Test("batch lines always hold a list")
    func batch() throws {
        #expect(
            try ReaderBatchRecord(id: "q1", answers: [paris]).jsonLine()
                == #"{"answers":[{"answer":"Paris","end":15,"score":0.5,"start":10}],"id":"q1"}"#)
    }

    @Test("Python lowercasing: full mappings and the final sigma")
    func lowercasing() {
        #expect(
            Array("ΟΔΟΣ ΣΑ".pythonLowercased.unicodeScalars).map(\.value) == [
                0x3BF, 0x3B4, 0x3BF, 0x3C2, 0x20, 0x3C3, 0x3B1,
            ])
        #expect(Array("İ".pythonLowercased.unicodeScalars).map(\.value) == [0x69, 0x307])
    }
}
