import Foundation
import Testing

@testable import DocumentStore

@Suite("Schema migrations")
struct SchemaTests {
    @Test("a new database is at the current version")
    func fresh() throws {
        let folder = try TemporaryDirectory()
        let store = try DocumentStore(path: folder.path("a.sqlite"))
        #expect(try store.schemaVersion() == Schema.currentVersion)
        #expect(Schema.currentVersion == 4)
    }

    @Test("a version 1 database (no FTS index) is upgraded and its existing chunks become searchable")
    func upgradeFromVersion1() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("old.sqlite")
        do {
            let old = try DocumentStore(path: path, schemaVersion: 1)
            #expect(try old.schemaVersion() == 1)
            try old.replaceSource(
                "/docs/a.txt",
                with: [(StoreFixtures.document("/docs/a.txt"), StoreFixtures.chunks(["rhine basel", "alps"]))])
            // The v1 schema has no FTS table yet.
            #expect(throws: DatabaseError.self) { try old.search(terms: ["rhine"], limit: 5) }
        }
        let upgraded = try DocumentStore(path: path)
        #expect(try upgraded.schemaVersion() == Schema.currentVersion)
        #expect(try upgraded.setting("terms") == nil)
        let hits = try upgraded.search(terms: ["rhine"], limit: 5)
        #expect(hits.count == 1)
        #expect(try upgraded.chunks(ids: hits.map(\.chunkID)).first?.text == "rhine basel")
        // Opening again changes nothing.
        #expect(try DocumentStore(path: path).schemaVersion() == Schema.currentVersion)
    }

    @Test("a chunk id is never handed out twice, also in a database upgraded from version 3")
    func chunkIDsAreNotReused() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("v3.sqlite")
        var oldLast: Int64 = 0
        do {
            let old = try DocumentStore(path: path, schemaVersion: 3)
            let a = StoreFixtures.entry("/docs/a.txt", ["rhine basel"])
            let b = StoreFixtures.entry("/docs/b.txt", ["alps", "lake"])
            try old.replaceSource("/docs/a.txt", with: [a])
            let ids = try old.replaceSource("/docs/b.txt", with: [b])
            oldLast = try old.chunks(documentID: ids[0]).map(\.id).max() ?? 0
        }
        let store = try DocumentStore(path: path)
        #expect(try store.schemaVersion() == Schema.currentVersion)
        // The upgrade keeps ids and the BM25 index.
        #expect(try store.search(terms: ["lake"], limit: 5).map(\.chunkID) == [oldLast])
        // Deleting the newest chunks and adding new ones must not recycle their ids.
        _ = try store.deleteSource("/docs/b.txt")
        let ids = try store.replaceSource("/docs/c.txt", with: [StoreFixtures.entry("/docs/c.txt", ["delta"])])
        let newIDs = try store.chunks(documentID: ids[0]).map(\.id)
        #expect(newIDs.allSatisfy { $0 > oldLast })
        #expect(try store.search(terms: ["delta"], limit: 5).map(\.chunkID) == newIDs)
        #expect(try store.search(terms: ["lake"], limit: 5).isEmpty)
    }

    @Test("a database from a newer askdocs is refused with a clear message")
    func newerRefused() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("new.sqlite")
        do {
            let database = try Database(path: path)
            try database.execute("PRAGMA user_version = 99")
        }
        do {
            _ = try DocumentStore(path: path)
            Issue.record("expected schemaTooNew")
        } catch let error as DocumentStoreError {
            #expect(error == .schemaTooNew(path: path, found: 99, supported: Schema.currentVersion))
            #expect(error.errorDescription?.contains("newer than this askdocs supports") == true)
        }
    }

    @Test("a failing migration leaves the database at its old version")
    func failingMigrationRollsBack() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("a.sqlite")
        let database = try Database(path: path)
        try Schema.migrate(database, to: 1)
        // A table in the way of migration 2 makes it fail halfway.
        try database.execute("CREATE TABLE chunks_fts (x)")
        #expect(throws: DatabaseError.self) { try Schema.migrate(database) }
        #expect(try Schema.version(of: database) == 1)
        #expect(try database.scalarInteger("SELECT count(*) FROM sqlite_master WHERE name = 'chunks_fts_insert'") == 0)
    }
}
