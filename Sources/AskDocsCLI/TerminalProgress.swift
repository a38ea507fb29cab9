import Foundation
import Hub

#if canImport(Glibc)
    import Glibc
#endif

/// The one progress display of every command: a bar with details on one stderr line, redrawn at most ten times a
/// second, only when stderr is a terminal (piped output stays quiet).
final class TerminalProgress: @unchecked Sendable {
    // @unchecked: the mutable fields are read and written under `lock` (downloads report from several tasks).
    private let lock = NSLock()
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private var firstTransferred: Int64?

    private init() {}

    /// Whether progress is shown: stderr is a terminal.
    static var isShown: Bool { isatty(STDERR_FILENO) == 1 }

    /// A display, or nil when stderr is not a terminal.
    static func start() -> TerminalProgress? { isShown ? TerminalProgress() : nil }

    /// Redraws the bar at `fraction` (0...1) followed by `details`, at most ten times a second unless `force`.
    func draw(fraction: Double, force: Bool = false, details: () -> String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || force else { return }
        lastDraw = now
        FileHandle.standardError.write(
            Data(("\r" + Self.line(fraction: fraction, details: details()) + "\u{1B}[K").utf8))
        drawn = true
    }

    /// `done` of `total` things called `label`, with the rate and ETA since the display started.
    func count(_ done: Int, of total: Int, _ label: String) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 && done < total ? Double(total - done) / rate : nil
        draw(fraction: total > 0 ? Double(done) / Double(total) : 1, force: done == total) {
            Self.countDetails(done, total, label, rate: rate, secondsLeft: eta)
        }
    }

    /// `done` of `total` bytes of `label`, with the rate of the bytes moved since the first report (bytes that
    /// were already there, such as a resumed download's, do not count) and the ETA.
    func transferred(_ done: Int64, of total: Int64, _ label: String) {
        lock.lock()
        let baseline = firstTransferred ?? done
        firstTransferred = baseline
        lock.unlock()
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done - baseline) / elapsed
        let eta = rate > 0 && done < total ? Double(total - done) / rate : nil
        draw(fraction: total > 0 ? Double(done) / Double(total) : 1, force: done == total) {
            Self.bytes(Double(done)) + "/" + Self.bytes(Double(total)) + "  " + Self.bytes(rate) + "/s"
                + Self.eta(eta) + "  " + label
        }
    }

    /// Prints `text` as its own line above the bar.
    func note(_ text: String) {
        clear()
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Erases the bar.
    func finish() { clear() }

    private func clear() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
        lastDraw = .distantPast
    }

    /// `[######------------------] details`.
    static func line(fraction: Double, details: String, width: Int = 24) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + details
    }

    /// `label done/total  rate/s ETA 15m34s`.
    static func countDetails(_ done: Int, _ total: Int, _ label: String, rate: Double, secondsLeft: Double?) -> String {
        String(format: "%@ %d/%d  %.1f/s", label, done, total, rate) + eta(secondsLeft)
    }

    /// ` ETA 15m34s`, or nothing without an estimate.
    static func eta(_ seconds: Double?) -> String {
        seconds.map { " ETA " + duration($0) } ?? ""
    }

    /// A duration as people read it: `42s`, `15m34s`, `2h05m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(max(seconds, 0).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
    }

    /// A byte count in B, kB, MB or GB.
    static func bytes(_ value: Double) -> String {
        DownloadSize.describe(Int64(max(value, 0).rounded()))
    }
}
