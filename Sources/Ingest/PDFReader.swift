import Foundation

/// PDF text through poppler's `pdftotext` (in reading order, not `-layout`, whose column padding would split
/// sentences); pages are separated by a paragraph break.
public enum PDFReader {
    /// The text of the PDF whose bytes are `data`, handed to `pdftotext` as a private copy: the user's file is not
    /// opened again, so a file changed after it was read cannot mix into what was hashed (a pipe would need
    /// SIGPIPE ignored process-wide when pdftotext stops reading early);
    /// `pdftotext` is stopped after `limit` seconds.
    public static func text(of data: Data, pdftotext: String?, limit: Double = 60) throws -> String {
        guard let pdftotext else { throw IngestError.pdftotextMissing }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-pdf-\(UUID().uuidString)")
        let copy = base.appendingPathExtension("pdf")
        let output = base.appendingPathExtension("txt")
        defer {
            try? FileManager.default.removeItem(at: copy)
            try? FileManager.default.removeItem(at: output)
        }
        do {
            try data.write(to: copy)
        } catch {
            throw IngestError.pdftotextFailed(
                status: -1, message: "cannot write a temporary copy: \(error.localizedDescription)")
        }
        let outcome: BoundedProgram.Outcome
        do {
            outcome = try BoundedProgram(path: pdftotext).run(
                ["-enc", "UTF-8", "-q", copy.path, output.path], limit: limit)
        } catch .timedOut {
            throw IngestError.pdftotextTimedOut(seconds: Int(limit.rounded(.up)))
        } catch .cannotStart(let reason) {
            throw IngestError.pdftotextFailed(status: -1, message: reason)
        }
        guard outcome.status == 0, !outcome.signalled else {
            let message = outcome.firstErrorLine.isEmpty ? "no message" : outcome.firstErrorLine
            throw IngestError.pdftotextFailed(
                status: outcome.signalled ? -outcome.status : outcome.status, message: message)
        }
        let data = (try? Data(contentsOf: output)) ?? Data()
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{0C}", with: "\n\n")
    }
}
