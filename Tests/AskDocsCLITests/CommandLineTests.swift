import Foundation
import Testing

/// Runs the built `askdocs` executable, as a user would.
struct AskDocsProcess {
    /// The `askdocs` binary next to the test bundle in the build folder.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("askdocs").path) {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("askdocs")
    }

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func run(_ arguments: [String], input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }
}

@Suite("askdocs command line")
struct CommandLineTests {
    @Test("--help lists every planned subcommand")
    func helpListsSubcommands() throws {
        let result = try AskDocsProcess.run(["--help"])
        #expect(result.status == 0)
        for name in [
            "index", "ask", "search", "read", "tokenize", "embed", "eval", "reindex", "check", "models", "serve",
        ] {
            #expect(result.standardOutput.contains("  \(name) "), "missing \(name)")
        }
    }

    @Test("an unimplemented subcommand says so and exits non-zero")
    func unimplementedSubcommandFails() throws {
        let result = try AskDocsProcess.run(["serve"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("not implemented yet"))
    }
}
