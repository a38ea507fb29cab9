import Foundation

/// PDF text through poppler's `pdftotext` (in reading order, not `-layout`, whose column padding would split
/// sentences); pages are separated by a paragraph break.
public enum PDFReader {
    /// The text of the PDF whose bytes are `data`, handed to `pdftotext` as a private copy: the user's file is not
    /// opened again, so a file changed after it was read cannot mix into what was hashed (a pipe would need
    /// SIGPIPE ignored process-wide when pdftotext stops reading early).
    public static func text(of data: Data, pdftotext: String?) throws -> String {
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pdftotext)
        process.arguments = ["-enc", "UTF-8", "-q", copy.path, output.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw IngestError.pdftotextFailed(status: -1, message: error.localizedDescription)
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? "no message"
            throw IngestError.pdftotextFailed(status: process.terminationStatus, message: line)
        }
        let data = (try? Data(contentsOf: output)) ?? Data()
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{0C}", with: "\n\n")
    }
}
