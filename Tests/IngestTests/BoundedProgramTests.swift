import Foundation
import Testing

@testable import Ingest

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Bounded program")
struct BoundedProgramTests {
    @Test("status, signal and the first line of standard error")
    func outcomes() throws {
        let shell = BoundedProgram(path: "/bin/sh")
        #expect(
            try shell.run(["-c", "echo first >&2; echo second >&2; exit 3"], limit: 30)
                == .init(status: 3, signalled: false, firstErrorLine: "first"))
        #expect(
            try shell.run(["-c", "kill -9 $$"], limit: 30) == .init(status: 9, signalled: true, firstErrorLine: ""))
        #expect(throws: BoundedProgram.Failure.self) {
            try BoundedProgram(path: "/nonexistent/tool").run([], limit: 30)
        }
    }

    @Test("the child holds only its three standard streams, whatever this process has open")
    func descriptors() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)  // not close-on-exec: a plain spawn would pass it on
        defer { for end in ends { close(end) } }
        for end in ends {
            let outcome = try BoundedProgram(path: "/bin/sh")
                .run(["-c", "readlink /proc/$$/fd/\(end) >&2 || echo closed >&2"], limit: 30)
            #expect(outcome.firstErrorLine == "closed", "descriptor \(end): \(outcome)")
        }
    }
}
