import Foundation
import Testing

@testable import Transformer

@Suite("Model directories")
struct ModelDirectoryTests {
    /// Builds `models--org--tiny/{blobs,snapshots/<rev>,refs/main}` from a fixture, files as symlinks into blobs.
    static func makeCacheEntry(from source: URL, in root: URL, revision: String, writeRef: Bool) throws -> URL {
        let manager = FileManager.default
        let entry = root.appendingPathComponent("models--org--tiny")
        let blobs = entry.appendingPathComponent("blobs")
        let snapshot = entry.appendingPathComponent("snapshots").appendingPathComponent(revision)
        try manager.createDirectory(at: blobs, withIntermediateDirectories: true)
        try manager.createDirectory(at: snapshot, withIntermediateDirectories: true)
        for (index, name) in try manager.contentsOfDirectory(atPath: source.path).sorted().enumerated() {
            let file = source.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let blob = blobs.appendingPathComponent("blob\(index)")
            try manager.copyItem(at: file, to: blob)
            try manager.createSymbolicLink(
                atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/blob\(index)")
        }
        if writeRef {
            try manager.createDirectory(at: entry.appendingPathComponent("refs"), withIntermediateDirectories: true)
            try Data("\(revision)\n".utf8).write(to: entry.appendingPathComponent("refs/main"))
        }
        return entry
    }

    @Test(
        "a Hugging Face cache entry resolves refs/main, and its snapshot folder works directly",
        arguments: [true, false])
    func cacheEntry(writeRef: Bool) throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let entry = try Self.makeCacheEntry(
            from: Fixture.model("tiny-xlmr-qa"), in: root, revision: "abc123", writeRef: writeRef)
        let fromRoot = try ModelDirectory(url: entry)
        #expect(fromRoot.url.lastPathComponent == "abc123")
        let snapshot = try ModelDirectory(url: entry.appendingPathComponent("snapshots/abc123"))
        let ids: [[Int32]] = [[0, 50, 60, 70, 2]]
        let expected = try QuestionAnsweringModel(directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa"))).logits(
            for: ids)
        #expect(try QuestionAnsweringModel(directory: fromRoot).logits(for: ids) == expected)
        #expect(try QuestionAnsweringModel(directory: snapshot).logits(for: ids) == expected)
    }

    @Test("folders that are not models give one-line errors")
    func notModels() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: TransformerError.self) { try ModelDirectory(url: root.appendingPathComponent("absent")) }
        #expect(throws: TransformerError.self) { try ModelDirectory(url: root) }
        // A config without weights opens, but loading the encoder names the missing file.
        try Data(try Data(contentsOf: Fixture.model("tiny-bert-cls").appendingPathComponent("config.json"))).write(
            to: root.appendingPathComponent("config.json"))
        let directory = try ModelDirectory(url: root)
        do {
            _ = try EncoderModel(directory: directory)
            Issue.record("a folder without weights loaded")
        } catch let error as TransformerError {
            #expect(error.errorDescription?.contains("model.safetensors") == true)
        }
    }
}
