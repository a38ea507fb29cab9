import CFaiss
import Foundation

/// A point inside `VectorIndex.save` where tests stop it, as a crash there would.
package enum VectorIndexSavePhase: Sendable {
    /// The new FAISS and id files are in place; the manifest still names the previous ones.
    case beforeManifest
}

extension VectorIndex {
    /// Saves the index into `location`'s folder and makes it the one `manifest.json` names.
    ///
    /// Each save writes a new generation (`vectors-<uuid>.faiss`, `ids-<uuid>.bin`, each written
    /// atomically), then atomically replaces `manifest.json`, which names the generation; only then are
    /// older generations deleted. A failure or crash before the manifest rename leaves the previous
    /// index fully readable.
    public func save(to location: VectorIndexLocation) throws {
        try save(to: location, stoppingAt: nil)
    }

    package func save(to location: VectorIndexLocation, stoppingAt phase: VectorIndexSavePhase?) throws {
        let manifest = try writeGeneration(to: location)
        if phase == .beforeManifest {
            throw VectorIndexError.writeFailed(path: location.manifestURL.path, reason: "stopped before the manifest")
        }
        try Self.writeManifest(manifest, to: location, keeping: [manifest])
    }

    /// Writes the index's files as a new generation in `location`'s folder (each file atomically, names no other
    /// generation has) and returns the manifest that describes them. Nothing names the generation yet: the caller
    /// publishes the manifest (`writeManifest`, or a database row), and until then readers keep the previous one.
    public func writeGeneration(to location: VectorIndexLocation) throws -> VectorIndexManifest {
        try locked {
            guard let handle else { throw VectorIndexError.notTrained(factory: kindStorage.factory) }
            let folder = location.directory
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw VectorIndexError.writeFailed(path: folder.path, reason: error.localizedDescription)
            }
            let generation = UUID().uuidString.lowercased()
            let indexURL = folder.appendingPathComponent("vectors-\(generation).faiss")
            let idsURL = folder.appendingPathComponent("ids-\(generation).bin")

            try AtomicFile.write(to: indexURL) { temporary in
                guard cfaiss_index_write(handle, temporary.path) == 0 else {
                    throw VectorIndexError.writeFailed(path: indexURL.path, reason: lastFAISSError())
                }
            }
            let ids = storedIDs.sorted()
            let idsData = littleEndianData(ids)
            try AtomicFile.write(idsData, to: idsURL)
            return VectorIndexManifest(
                formatVersion: VectorIndexManifest.currentFormatVersion, model: model, dimension: dimension,
                metric: metric, factory: kindStorage.factory, chunkCount: ids.count,
                tombstones: tombstoneSet.sorted(), createdAt: createdAt, savedAt: Date(),
                indexFile: indexURL.lastPathComponent, idsFile: idsURL.lastPathComponent,
                indexBytes: try fileSize(indexURL), idsBytes: idsData.count)
        }
    }

    /// Atomically makes `manifest.json` in `location` say `manifest`, then deletes the generation files that none
    /// of `keeping` names (earlier saves, crashed runs).
    public static func writeManifest(
        _ manifest: VectorIndexManifest, to location: VectorIndexLocation, keeping: [VectorIndexManifest]
    ) throws {
        let data: Data
        do {
            data = try manifest.encoded()
        } catch {
            throw VectorIndexError.writeFailed(path: location.manifestURL.path, reason: error.localizedDescription)
        }
        try AtomicFile.write(data, to: location.manifestURL)
        removeStaleGenerations(in: location.directory, keeping: Set(keeping.flatMap { [$0.indexFile, $0.idsFile] }))
    }

    /// Opens a saved index, refusing one built with another embedding model or dimension.
    ///
    /// - Parameters:
    ///   - location: the index folder.
    ///   - model: the model the caller will embed queries with.
    ///   - dimension: that model's embedding size, when known.
    public static func open(
        at location: VectorIndexLocation, expecting model: EmbeddingModelIdentity, dimension: Int? = nil
    ) throws -> VectorIndex {
        try open(at: location, manifest: try readManifest(at: location), expecting: model, dimension: dimension)
    }

    /// Opens the generation `manifest` describes (read from `manifest.json` or from the database that published
    /// it) in `location`'s folder, refusing one built with another embedding model or dimension.
    public static func open(
        at location: VectorIndexLocation, manifest: VectorIndexManifest, expecting model: EmbeddingModelIdentity,
        dimension: Int? = nil
    ) throws -> VectorIndex {
        let dimensionDiffers = dimension.map { $0 != manifest.dimension } ?? false
        if !manifest.model.isCompatible(with: model) || dimensionDiffers {
            let built =
                dimensionDiffers ? "\(manifest.model) (\(manifest.dimension) dimensions)" : manifest.model.description
            let requested = dimensionDiffers ? "\(model) (\(dimension ?? 0) dimensions)" : model.description
            throw VectorIndexError.modelMismatch(built: built, requested: requested)
        }
        let kind: VectorIndexKind
        do {
            kind = try VectorIndexKind(factory: manifest.factory)
        } catch {
            throw VectorIndexError.corrupt(
                path: location.manifestURL.path, reason: "unknown factory '\(manifest.factory)'")
        }

        let folder = location.directory
        let indexURL = folder.appendingPathComponent(manifest.indexFile)
        let idsURL = folder.appendingPathComponent(manifest.idsFile)
        for (url, bytes) in [(indexURL, manifest.indexBytes), (idsURL, manifest.idsBytes)] {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw VectorIndexError.corrupt(path: url.path, reason: "file named by the manifest is missing")
            }
            let actual = (try? fileSize(url)) ?? -1
            guard actual == bytes else {
                throw VectorIndexError.corrupt(path: url.path, reason: "\(actual) bytes, manifest says \(bytes)")
            }
        }
        guard let idsData = FileManager.default.contents(atPath: idsURL.path), idsData.count % 8 == 0 else {
            throw VectorIndexError.corrupt(path: idsURL.path, reason: "id file is unreadable")
        }
        let ids = idsData.int64sFromLittleEndian()
        guard ids.count == manifest.chunkCount, Set(ids).count == ids.count else {
            throw VectorIndexError.corrupt(
                path: idsURL.path, reason: "\(ids.count) ids, manifest says \(manifest.chunkCount)")
        }

        var pointer: OpaquePointer?
        guard cfaiss_index_read(indexURL.path, &pointer) == 0, let handle = pointer else {
            throw VectorIndexError.corrupt(path: indexURL.path, reason: "FAISS cannot read it: \(lastFAISSError())")
        }
        let storedDimension = Int(cfaiss_index_dimension(handle))
        let storedCount = Int(cfaiss_index_ntotal(handle))
        let storedMetric: VectorMetric = cfaiss_index_metric(handle) == 1 ? .innerProduct : .l2
        guard storedDimension == manifest.dimension, storedCount == manifest.chunkCount, storedMetric == manifest.metric
        else {
            cfaiss_index_free(handle)
            throw VectorIndexError.corrupt(
                path: indexURL.path,
                reason: "holds \(storedCount) \(storedDimension)-d \(storedMetric.rawValue) vectors, manifest says "
                    + "\(manifest.chunkCount) \(manifest.dimension)-d \(manifest.metric.rawValue)")
        }
        let idSet = Set(ids)
        let tombstones = Set(manifest.tombstones)
        guard tombstones.isSubset(of: idSet) else {
            cfaiss_index_free(handle)
            throw VectorIndexError.corrupt(
                path: location.manifestURL.path, reason: "tombstones name ids not in the index")
        }
        return VectorIndex(
            model: manifest.model, dimension: manifest.dimension, kind: kind, metric: manifest.metric,
            handle: handle, ids: idSet, tombstones: tombstones, createdAt: manifest.createdAt)
    }

    /// Reads and validates only the manifest (e.g. to show what an index was built with).
    public static func readManifest(at location: VectorIndexLocation) throws -> VectorIndexManifest {
        let path = location.manifestURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw VectorIndexError.missing(path: location.directory.path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VectorIndexError.corrupt(path: path, reason: "manifest is unreadable")
        }
        return try VectorIndexManifest.decode(data, path: path)
    }

    /// Deletes generation files other than the current ones (left by earlier saves or crashes); best effort.
    static func removeStaleGenerations(in folder: URL, keeping current: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where !current.contains(name) {
            let isGeneration =
                (name.hasPrefix("vectors-") && name.hasSuffix(".faiss"))
                || (name.hasPrefix("ids-") && name.hasSuffix(".bin"))
            let isTemporary = name.hasPrefix(".") && name.hasSuffix(".tmp")
            if isGeneration || isTemporary {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }
}

private func fileSize(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.size] as? NSNumber)?.intValue ?? 0
}

/// `ids` as little-endian Int64 bytes (the id file format, independent of the host's byte order).
private func littleEndianData(_ ids: [Int64]) -> Data {
    var data = Data(capacity: ids.count * 8)
    for id in ids {
        withUnsafeBytes(of: id.littleEndian) { data.append(contentsOf: $0) }
    }
    return data
}

extension Data {
    fileprivate func int64sFromLittleEndian() -> [Int64] {
        var ids = [Int64]()
        ids.reserveCapacity(count / 8)
        withUnsafeBytes { buffer in
            for offset in stride(from: 0, to: buffer.count, by: 8) {
                ids.append(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
            }
        }
        return ids
    }
}
