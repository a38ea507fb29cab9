import Foundation
import Testing

@testable import Hub

@Suite("HubCache")
struct HubCacheTests {
    /// A cache folder with one entry: `models--org--model` with `refs/main` → `abc123` and a `v1` tag → `def456`.
    static func makeCache() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-hub-\(UUID().uuidString)")
        let entry = root.appendingPathComponent("models--org--model")
        for revision in ["abc123", "def456"] {
            let snapshot = entry.appendingPathComponent("snapshots/\(revision)")
            try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: snapshot.appendingPathComponent("config.json"))
        }
        try FileManager.default.createDirectory(
            at: entry.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data("abc123\n".utf8).write(to: entry.appendingPathComponent("refs/main"))
        try Data("def456".utf8).write(to: entry.appendingPathComponent("refs/v1"))
        return root
    }

    @Test("the cache folder follows HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub")
    func environment() {
        #expect(HubCache(environment: ["HF_HUB_CACHE": "/a", "HF_HOME": "/b", "HOME": "/h"]).root.path == "/a")
        #expect(HubCache(environment: ["HF_HOME": "/b", "HOME": "/h"]).root.path == "/b/hub")
        #expect(HubCache(environment: ["HOME": "/h"]).root.path == "/h/.cache/huggingface/hub")
        #expect(HubCache(environment: ["HF_HUB_CACHE": "", "HOME": "/h"]).root.path == "/h/.cache/huggingface/hub")
    }

    @Test("model ids are org/name; paths are not")
    func modelIDs() {
        #expect(HubCache.isModelID("intfloat/multilingual-e5-small"))
        #expect(HubCache.isModelID("deepset/xlm-roberta-large-squad2"))
        #expect(!HubCache.isModelID("models/e5/small"))
        #expect(!HubCache.isModelID("/abs/path"))
        #expect(!HubCache.isModelID("./model"))
        #expect(!HubCache.isModelID("../x"))
        #expect(!HubCache.isModelID("plain"))
    }

    @Test("a snapshot is found through refs/main, a tag, a commit, or as the only snapshot")
    func snapshots() throws {
        let root = try Self.makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = HubCache(root: root)
        #expect(cache.entry(for: "org/model").lastPathComponent == "models--org--model")
        #expect(cache.snapshot(for: "org/model")?.lastPathComponent == "abc123")
        #expect(cache.snapshot(for: "org/model", revision: "v1")?.lastPathComponent == "def456")
        #expect(cache.snapshot(for: "org/model", revision: "def456")?.lastPathComponent == "def456")
        #expect(cache.snapshot(for: "org/model", revision: "nope") == nil)
        #expect(cache.snapshot(for: "org/other") == nil)
        try FileManager.default.removeItem(at: root.appendingPathComponent("models--org--model/refs"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("models--org--model/snapshots/def456"))
        #expect(cache.snapshot(for: "org/model")?.lastPathComponent == "abc123")
    }

    @Test("locate takes an existing folder first, then the cache, else fails with a one-line how-to")
    func locate() throws {
        let root = try Self.makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = HubCache(root: root)
        #expect(try cache.locate("org/model").lastPathComponent == "abc123")
        #expect(try cache.locate(root.path).path == root.standardizedFileURL.path)
        #expect(throws: HubCacheError.notAvailable(model: "org/missing", cache: root.path)) {
            try cache.locate("org/missing")
        }
        let message = HubCacheError.notAvailable(model: "org/missing", cache: root.path).localizedDescription
        #expect(message.contains("askdocs models pull org/missing"))
        #expect(!message.contains("\n"))
        let folder = HubCacheError.notAvailable(model: "/no/such/folder", cache: root.path).localizedDescription
        #expect(folder.contains("does not exist"))
    }
}
