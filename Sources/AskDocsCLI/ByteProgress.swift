import Foundation
import Hub

/// A one-line download bar on stderr: bytes of total, rate and ETA; draws nothing when disabled (not a terminal).
final class ByteProgress: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `lock`.
    private let enabled: Bool
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var firstBytes: Int64?
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    /// Redraws at most ten times a second.
    func update(_ progress: HubProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        // Bytes already cached before this pull do not count towards the rate.
        let baseline = firstBytes ?? progress.completedBytes
        firstBytes = baseline
        guard now.timeIntervalSince(lastDraw) >= 0.1 || progress.completedBytes == progress.totalBytes else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(progress.completedBytes - baseline) / elapsed
        let remaining = progress.totalBytes - progress.completedBytes
        let eta = rate > 0 && remaining > 0 ? String(format: " ETA %.0fs", Double(remaining) / rate) : ""
        let fraction = progress.totalBytes > 0 ? Double(progress.completedBytes) / Double(progress.totalBytes) : 1
        let filled = min(24, Int((fraction * 24).rounded(.down)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled)
        let line =
            "\r[\(bar)] \(Self.format(progress.completedBytes))/\(Self.format(progress.totalBytes))  "
            + "\(Self.format(Int64(rate)))/s\(eta)  \(progress.file)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    /// Clears the bar.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }

    /// `1.2 MB`-style sizes.
    static func format(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
    }
}
