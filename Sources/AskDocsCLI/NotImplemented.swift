import ArgumentParser

/// The error a planned but not yet built subcommand exits with (status 1), naming the issue that tracks it.
struct NotImplemented: Error, CustomStringConvertible {
    let command: String
    let issue: Int?

    var description: String {
        let tracking = issue.map { " (tracked in issue #\($0))" } ?? ""
        return "'askdocs \(command)' is planned but not implemented yet\(tracking)."
    }
}
