import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import Ingest

@Suite("PDF reader")
struct PDFReaderTests {
    /// A valid PDF with one line of Helvetica text per page (byte offsets in the xref table computed here).
    static func pdf(pages: [String]) -> Data {
        var objects: [String] = []
        let pageIDs = pages.indices.map { 4 + 2 * $0 }
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append(
            "<< /Type /Pages /Kids [\(pageIDs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for (index, text) in pages.enumerated() {
            let content = "BT /F1 18 Tf 72 700 Td (\(text)) Tj ET"
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents \(pageIDs[index] + 1) 0 R "
                    + "/Resources << /Font << /F1 3 0 R >> >> >>")
            objects.append("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
        }
        var output = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(output.utf8.count)
            output += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = output.utf8.count
        output += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { output += String(format: "%010d 00000 n \n", offset) }
        output += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(output.utf8)
    }

    @Test("text comes out of pdftotext page by page")
    func extractsText() throws {
        let folder = try IngestFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("two pages.pdf").path
        let data = Self.pdf(pages: ["The Rhine is the river of the north.", "Basel lies on the Rhine."])
        try data.write(to: URL(fileURLWithPath: path))
        let reader = DocumentReader()
        #expect(reader.pdftotextPath != nil, "scripts/setup installs poppler-utils")
        let result = try reader.read(data, path: path)
        let document = try #require(result.documents.first)
        #expect(document.format == .pdf)
        #expect(document.language == "en")
        let paragraphs = document.text.components(separatedBy: "\n\n").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        .filter { !$0.isEmpty }
        #expect(paragraphs == ["The Rhine is the river of the north.", "Basel lies on the Rhine."])
    }

    @Test("without pdftotext a PDF is skipped with an actionable reason")
    func missingTool() {
        let error = IngestError.pdftotextMissing
        #expect(throws: error) { try DocumentReader(pdftotextPath: nil).read(Data("%PDF".utf8), path: "/x.pdf") }
        #expect(error.isSkip)
        #expect(error.errorDescription?.contains("apt install poppler-utils") == true)
    }

    @Test("a damaged PDF fails with pdftotext's message")
    func damaged() throws {
        let folder = try IngestFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bad.pdf").path
        try Data("%PDF-1.4 garbage".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try DocumentReader().read(Data(), path: path)
            Issue.record("expected a failure")
        } catch let error as IngestError {
            guard case .pdftotextFailed(let status, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(status != 0)
            #expect(!error.isSkip)
        }
    }

    @Test("a pdftotext that never finishes is stopped at the time limit: one failed file, not a hung index")
    func hungTool() throws {
        let folder = try IngestFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Stands in for poppler looping on a damaged file: it starts a child of its own and waits forever.
        let tool = folder.appendingPathComponent("pdftotext").path
        let marker = folder.appendingPathComponent("child.pid").path
        try Data("#!/bin/sh\nsleep 300 &\necho $! > '\(marker)'\nwait\n".utf8).write(to: URL(fileURLWithPath: tool))
        chmod(tool, 0o755)
        var reader = DocumentReader(pdftotextPath: tool)
        reader.pdfTimeLimit = { _ in 1 }
        let started = Date()
        #expect(throws: IngestError.pdftotextTimedOut(seconds: 1)) {
            try reader.read(Self.pdf(pages: ["Never read."]), path: folder.appendingPathComponent("a.pdf").path)
        }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(!IngestError.pdftotextTimedOut(seconds: 1).isSkip)
        // Its own child went with it: the process group was killed whole.
        let child = try #require(
            Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<100 where !gone {
            gone =
                kill(child, 0) != 0
                || (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.contains(") Z ") == true
            if !gone { usleep(20_000) }
        }
        #expect(gone, "pid \(child) still runs")
    }
}
