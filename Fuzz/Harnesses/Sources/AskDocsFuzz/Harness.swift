import Foundation
import Ingest
import Retrieval
import Tokenizers
import Transformer

/// One parser under test: bytes in, a value or a thrown error out; anything else is a finding.
enum Harness: String, CaseIterable {
    case tokenizerJSON = "tokenizer-json"
    case sentencePiece = "sentencepiece"
    case safetensors
    case config
    case sentenceTransformers = "sentence-transformers"
    case manifest
    case html
    case markdown
    case jsonLines = "jsonl"
    case text
    case gzip
    case office

    /// The harness `ASKDOCS_FUZZ_HARNESS` names; one executable serves them all so one build suffices.
    static let selected: Harness = {
        let name = ProcessInfo.processInfo.environment["ASKDOCS_FUZZ_HARNESS"] ?? ""
        guard let harness = Harness(rawValue: name) else {
            FileHandle.standardError.write(
                Data("set ASKDOCS_FUZZ_HARNESS to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return harness
    }()

    /// A scratch folder for parsers that read from a path (one per process).
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "askdocs-fuzz-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func run(_ data: Data) {
        switch self {
        case .tokenizerJSON:
            // A file that loads must also encode: some ids are only used then (the unknown piece, the specials).
            if let tokenizer = try? TokenizerLoader.load(tokenizerJSON: Self.write(data, "tokenizer.json")) {
                Self.exercise(tokenizer)
            }
        case .sentencePiece:
            if let model = try? SentencePieceModel(data: [UInt8](data)),
                let tokenizer = try? TokenizerLoader.load(
                    sentencePieceModel: Self.write(data, "sentencepiece.bpe.model"))
            {
                _ = model.pieces.count
                Self.exercise(tokenizer)
            }
        case .safetensors:
            _ = try? SafetensorsFile(url: Self.write(data, "model.safetensors"))
        case .config:
            if let config = try? EncoderConfiguration(contentsOf: Self.write(data, "config.json")) {
                try? config.validate()
            }
        case .sentenceTransformers:
            // A valid model folder whose pooling configuration is the input.
            _ = Self.write(Self.tinyConfig, "config.json")
            try? FileManager.default.createDirectory(
                at: Self.scratch.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
            _ = Self.write(data, "1_Pooling/config.json")
            if let directory = try? ModelDirectory(url: Self.scratch) {
                _ = try? SentenceTransformersConfiguration(directory: directory)
            }
        case .manifest:
            _ = Self.write(data, "manifest.json")
            _ = try? VectorIndex.readManifest(at: VectorIndexLocation(directory: Self.scratch))
        case .html:
            let decoded = TextDecoder.decode(data, declaredCharset: HTMLReader.declaredCharset(in: data))
            _ = HTMLReader.read(decoded.text)
        case .markdown:
            _ = MarkdownReader.read(TextDecoder.decode(data).text)
        case .jsonLines:
            _ = JSONLinesReader.read(data)
        case .text:
            _ = TextDecoder.looksBinary(data)
            _ = TextDecoder.decode(data)
        case .gzip:
            // The limit keeps a bomb from being the harness's out-of-memory crash instead of a typed error.
            _ = try? GzipDecoder.decompress(data, limit: 1 << 24)
        case .office:
            // One ZIP container, read as each of the three formats it could claim to be.
            for format in [DocumentFormat.docx, .odt, .epub] {
                _ = try? OfficeReader.read(data, format: format, limit: 1 << 24)
            }
        }
    }

    /// Encodes a text with unknown characters, a pair with overflowing windows, and decodes the ids back.
    private static func exercise(_ tokenizer: any Tokenizer) {
        let encoding = tokenizer.encode("Hello wörld 東京 \u{200B}x <mask>", addSpecialTokens: true)
        _ = tokenizer.decode(encoding.ids, skipSpecialTokens: true)
        _ = tokenizer.encodePair("Who?", String(repeating: "Paris is big. ", count: 8), maxLength: 16, stride: 4)
    }

    /// The tiny BERT fixture's config.json, so the sentence-transformers harness reaches the pooling file.
    static let tinyConfig: Data = {
        let root = ProcessInfo.processInfo.environment["ASKDOCS_FUZZ_ROOT"] ?? "../.."
        let url = URL(fileURLWithPath: root).appendingPathComponent(
            "Tests/TransformerTests/Fixtures/tiny-bert-mean/config.json")
        return (try? Data(contentsOf: url)) ?? Data()
    }()

    private static func write(_ data: Data, _ name: String) -> URL {
        let url = scratch.appendingPathComponent(name)
        try? data.write(to: url)
        return url
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Harness.selected.run(Data(bytes: bytes, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM renames an executable's `main` to `<Module>_main`; that symbol hands control to libFuzzer's driver.
@_cdecl("AskDocsFuzz_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    _ = Harness.selected
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv, fuzz)
}
