// Language detection accuracy: CLD2 (LanguageDetector) against the function-word detector it replaced, on every
// XQuAD paragraph of the shared languages and on a sample of English technical documents. Run by
// scripts/bench/language.sh; prints a Markdown table (the one in README) and the sampled documents tagged other
// than English, for a spot check.
import Foundation
import Ingest

struct Options {
    var xquad = "../shared/data/xquad"
    var docs = "/usr/share/doc"
    var sample = 300
    var languages = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]

    init(_ arguments: [String]) {
        var rest = arguments.makeIterator()
        while let argument = rest.next() {
            switch argument {
            case "--xquad": xquad = rest.next() ?? xquad
            case "--docs": docs = rest.next() ?? docs
            case "--sample": sample = rest.next().flatMap(Int.init) ?? sample
            default:
                FileHandle.standardError.write(
                    Data("usage: LanguageBench [--xquad DIR] [--docs FOLDER] [--sample N]\n".utf8))
                exit(2)
            }
        }
    }
}

/// Correct and untagged counts of one detector on one set of texts.
struct Tally {
    var total = 0, correct = 0, untagged = 0
    var wrong: [String: Int] = [:]

    mutating func add(_ guess: String?, expected: String) {
        total += 1
        if guess == expected || guess?.hasPrefix(expected + "-") == true {
            correct += 1
        } else if let guess {
            wrong[guess, default: 0] += 1
        } else {
            untagged += 1
        }
    }

    func percent(_ count: Int) -> String {
        total == 0 ? "–" : String(format: "%.1f %%", 100 * Double(count) / Double(total))
    }
    var mistakes: String {
        wrong.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}

func xquadParagraphs(_ url: URL) throws -> [String] {
    struct File: Decodable {
        struct Article: Decodable {
            struct Paragraph: Decodable { var context: String }
            var paragraphs: [Paragraph]
        }
        var data: [Article]
    }
    return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).data.flatMap {
        $0.paragraphs.map(\.context)
    }
}

/// Every `step`-th readable text document under `folder` (sorted paths, so the sample is the same on every run).
func sampleDocuments(under folder: String, count: Int) -> [(path: String, text: String)] {
    let reader = DocumentReader()
    var paths: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
        let path = folder + "/" + relative
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
            !path.hasSuffix(".gz"), (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil
        {
            paths.append(path)
        }
    }
    paths.sort()
    var readable: [(path: String, text: String)] = []
    for path in paths {
        guard let data = FileManager.default.contents(atPath: path),
            let document = try? reader.read(data, path: path).documents.first
        else { continue }
        readable.append((path, document.text))
    }
    guard readable.count > count, count > 0 else { return readable }
    let step = Double(readable.count) / Double(count)
    return (0..<count).map { readable[Int(Double($0) * step)] }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
print("| Texts | n | function words: correct | none | wrong (top) | CLD2: correct | none | wrong (top) |")
print("|---|---:|---:|---:|---|---:|---:|---|")
func row(_ name: String, _ old: Tally, _ new: Tally) {
    print(
        "| \(name) | \(old.total) | \(old.percent(old.correct)) | \(old.percent(old.untagged)) | \(old.mistakes) "
            + "| \(new.percent(new.correct)) | \(new.percent(new.untagged)) | \(new.mistakes) |")
}
var allOld = Tally(), allNew = Tally()
for language in options.languages {
    let url = URL(fileURLWithPath: options.xquad).appendingPathComponent("xquad.\(language).json")
    let paragraphs: [String]
    do { paragraphs = try xquadParagraphs(url) } catch {
        FileHandle.standardError.write(Data("LanguageBench: cannot read \(url.path): \(error)\n".utf8))
        exit(1)
    }
    var old = Tally(), new = Tally()
    for paragraph in Set(paragraphs).sorted() {
        let oldGuess = FunctionWordDetector.language(of: paragraph), newGuess = LanguageDetector.language(of: paragraph)
        old.add(oldGuess, expected: language)
        new.add(newGuess, expected: language)
        allOld.add(oldGuess, expected: language)
        allNew.add(newGuess, expected: language)
    }
    row("XQuAD \(language)", old, new)
}
row("XQuAD, all 11", allOld, allNew)

let documents = sampleDocuments(under: options.docs, count: options.sample)
var old = Tally(), new = Tally()
var notEnglish: [String] = []
for document in documents {
    let oldGuess = FunctionWordDetector.language(of: document.text),
        newGuess = LanguageDetector.language(of: document.text)
    old.add(oldGuess, expected: "en")
    new.add(newGuess, expected: "en")
    if newGuess != "en" || oldGuess != "en" {
        let start = document.text.prefix(70).replacingOccurrences(of: "\n", with: " ")
        notEnglish.append(
            "  \(document.path): function words \(oldGuess ?? "none"), CLD2 \(newGuess ?? "none"): \(start)")
    }
}
row("\(options.docs) (en)", old, new)
print("\nSampled documents not tagged en by one of the detectors (\(notEnglish.count) of \(documents.count)):")
notEnglish.forEach { print($0) }
