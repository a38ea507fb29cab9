import Foundation
import Prometheus

/// The server's Prometheus metrics, exposed as text at `GET /metrics`.
public final class ServerMetrics: Sendable {
    /// The registry the metrics live in.
    public let registry = PrometheusCollectorRegistry()
    private let batchRequests: ValueHistogram
    private let batchWindows: ValueHistogram
    private let batchSeconds: DurationHistogram
    private let windows: Counter
    private let queueDepth: Gauge

    /// Creates the metrics.
    public init() {
        batchRequests = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "askdocs", metricName: "batch_requests", unitName: "",
                helpText: "Requests read together in one model batch."),
            labels: [], buckets: [1, 2, 4, 8, 16, 32, 64])
        batchWindows = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "askdocs", metricName: "batch_windows", unitName: "",
                helpText: "Model windows in one batch."),
            labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128])
        batchSeconds = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "askdocs", metricName: "batch_duration", unitName: "seconds",
                helpText: "Seconds of one model batch (encoder and decoding)."),
            labels: [], buckets: Self.latencyBuckets)
        windows = registry.makeCounter(
            descriptor: .init(
                namespace: "askdocs", metricName: "windows_read", unitName: "total",
                helpText: "Model windows read by the reader routes."),
            labels: [])
        queueDepth = registry.makeGauge(
            descriptor: .init(
                namespace: "askdocs", metricName: "queue_depth", unitName: "requests",
                helpText: "Requests waiting for the model."),
            labels: [])
    }

    /// Latency buckets from 1 ms to 60 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Records one finished request.
    public func request(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(
                namespace: "askdocs", metricName: "http_requests", unitName: "total",
                helpText: "HTTP requests by route, method and status."),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "askdocs", metricName: "http_request_duration", unitName: "seconds",
                helpText: "HTTP request latency by route."),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Records one model batch.
    public func batch(_ report: ModelWorker.BatchReport) {
        batchRequests.record(Double(report.requests))
        batchWindows.record(Double(report.windows))
        batchSeconds.record(.nanoseconds(Int64(report.seconds * 1e9)))
        windows.increment(by: Int64(report.windows))
    }

    /// Records the queue's depth.
    public func queue(depth: Int) {
        queueDepth.set(Double(depth))
    }

    /// The Prometheus text exposition.
    public func exposition() -> String {
        registry.emitToString()
    }
}
