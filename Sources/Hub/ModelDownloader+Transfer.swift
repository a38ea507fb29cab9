import AsyncHTTPClient
import Foundation
import NIOCore

/// One blob's download: under its lock, into `blobs/<hash>.incomplete`, resumed with `Range`, hashed as it
/// streams (back-pressure: the next chunk is read only once this one is on disk), verified, then renamed.
extension ModelDownloader {
    /// Fetches `plan`'s blob into the cache unless another pull already did; returns the bytes fetched.
    func fetch(
        _ plan: BlobPlan, of repo: String, client: HubClient, progress: @Sendable (Int64) -> Void
    ) async throws -> Int64 {
        let cache = environment.cache
        let lock = try await FileLock.acquire(cache.lock(for: plan.hash, of: repo), timeout: options.lockTimeout)
        defer { lock.release() }
        let destination = cache.blob(plan.hash, of: repo)
        if FileManager.default.fileExists(atPath: destination.path) {
            progress(plan.size)
            return 0
        }
        do {
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: destination.deletingLastPathComponent().path, reason: "\(error)")
        }
        let incomplete = cache.incompleteBlob(plan.hash, of: repo)
        var fetched: Int64 = 0
        var attempt = 0
        var result: TransferResult
        while true {
            attempt += 1
            do {
                result = try await transfer(
                    plan, of: repo, to: incomplete, client: client, fetched: &fetched, progress: progress)
                break
            } catch let interruption as TransferInterrupted {
                guard attempt < options.attempts else {
                    throw HubError.interrupted(
                        file: plan.file.rfilename, received: interruption.received, total: plan.size,
                        reason: interruption.reason)
                }
                try await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
        if plan.size > 0, result.size != plan.size {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.checksumMismatch(
                file: plan.file.rfilename, expected: "\(plan.size) bytes", actual: "\(result.size) bytes")
        }
        if let expected = plan.digest, let actual = result.digest, actual != expected.hex {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.checksumMismatch(file: plan.file.rfilename, expected: expected.hex, actual: actual)
        }
        try cache.publish(incomplete, as: plan.hash, of: repo)
        return fetched
    }

    /// One attempt: continues `incomplete` from its current size (or starts over when the server ignores the
    /// range); a connection that drops throws `TransferInterrupted` with what is on disk kept.
    private func transfer(
        _ plan: BlobPlan, of repo: String, to incomplete: URL, client: HubClient, fetched: inout Int64,
        progress: @Sendable (Int64) -> Void
    ) async throws -> TransferResult {
        var offset =
            (try? FileManager.default.attributesOfItem(atPath: incomplete.path)[.size] as? NSNumber)?
            .int64Value ?? 0
        if plan.size > 0, offset > plan.size { offset = 0 }
        var hasher = plan.digest.map { BlobHasher(for: $0, size: plan.size) }
        if offset > 0, hasher != nil { try BlobFile.hash(incomplete, size: offset, into: &hasher!) }
        if plan.size > 0, offset == plan.size {
            progress(offset)
            return TransferResult(size: offset, digest: hasher?.finalize())
        }
        let response = try await get(plan, of: repo, client: client, from: offset)
        let status = Int(response.status.code)
        if status == 416 {
            try? FileManager.default.removeItem(at: incomplete)
            throw TransferInterrupted(received: 0, reason: "the server refused the resume range")
        }
        if status == 206, Self.rangeStart(response.headers.first(name: "Content-Range")) != offset {
            try? FileManager.default.removeItem(at: incomplete)
            throw TransferInterrupted(received: 0, reason: "the server answered another range")
        }
        if status == 200, offset > 0 {
            offset = 0
            hasher = plan.digest.map { BlobHasher(for: $0, size: plan.size) }
        }
        let file = try BlobFile(appendingTo: incomplete, truncate: offset == 0)
        var received: Int64 = 0
        do {
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher?.update(bytes)
                    try file.write(bytes)
                }
                received += Int64(buffer.readableBytes)
                fetched += Int64(buffer.readableBytes)
                progress(offset + received)
            }
        } catch let error as HubError {
            throw error
        } catch {
            try? file.close()
            throw TransferInterrupted(received: offset + received, reason: HubClient.describe(error))
        }
        try file.close()
        if plan.size > 0, offset + received < plan.size {
            throw TransferInterrupted(received: offset + received, reason: "the connection closed early")
        }
        return TransferResult(size: offset + received, digest: hasher?.finalize())
    }

    /// `GET` the content from `offset` on, following the LFS redirect (and any further ones) by hand.
    private func get(
        _ plan: BlobPlan, of repo: String, client: HubClient, from offset: Int64
    ) async throws -> HTTPClientResponse {
        var url = plan.metadata.location
        let range = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        for _ in 0..<5 {
            let response: HTTPClientResponse
            do {
                response = try await client.send(.GET, url, headers: range, deadline: .hours(24))
            } catch let error as HubError {
                if case .noNetwork(_, let reason) = error {
                    throw TransferInterrupted(received: offset, reason: reason)
                }
                throw error
            }
            let status = Int(response.status.code)
            if (300..<400).contains(status), let location = response.headers.first(name: "Location") {
                url = location.hasPrefix("/") ? HubClient.origin(of: url) + location : location
                continue
            }
            if status != 416 {
                try client.check(
                    response, url: url, repo: repo, revision: plan.metadata.commit,
                    file: plan.file.rfilename)
            }
            return response
        }
        throw HubError.badResponse(url: url, status: 310, message: "too many redirects")
    }

    /// The first byte of a `Content-Range: bytes a-b/n` header.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        return Int64(header.dropFirst(6).prefix { $0.isNumber })
    }
}

/// What one attempt left in `.incomplete`: its size and digest.
struct TransferResult {
    var size: Int64
    var digest: String?
}

/// A drop of the connection mid-file; the bytes on disk are kept for the next attempt.
struct TransferInterrupted: Error {
    var received: Int64
    var reason: String
}
