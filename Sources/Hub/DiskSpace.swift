import Foundation

/// Free space on the disk of a folder, checked before a download starts.
enum DiskSpace {
    /// Throws `HubError.diskFull` when the disk of `folder` (or its nearest existing parent) has fewer than `bytes`
    /// free.
    static func require(_ bytes: Int64, at folder: URL) throws {
        guard bytes > 0 else { return }
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing.path), existing.pathComponents.count > 1 {
            existing.deleteLastPathComponent()
        }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: existing.path),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value
        else { return }
        if free < bytes { throw HubError.diskFull(path: folder.path, needed: bytes) }
    }
}
