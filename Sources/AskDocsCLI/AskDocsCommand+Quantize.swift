import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension AskDocsCommand.Models {
    /// `askdocs models quantize MODEL --to bf16|int8 --out DIR`: a copy of a model with bf16 or int8 dense layers.
    struct Quantize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a copy of a model whose dense layers are stored in bf16 or int8.",
            discussion: """
                The encoder's dense-layer weights are converted exactly as --precision bf16|int8 converts them at \
                load (int8: symmetric, one scale per output, stored as NAME.weight and NAME.weight_scale), so the \
                copy gives the same answers in that precision and loads without converting; embeddings, biases, \
                LayerNorms and heads stay as stored. Run the copy with --precision bf16|int8 (or precision in \
                askdocs.toml); at another precision its weights are widened. A bf16 copy also loads in \
                transformers; an int8 copy is for AskDocs only (its config.json names an askdocs-int8 method, and \
                transformers fails to load it rather than reading int8 values as floats). The output is written beside its final place and renamed into it \
                once checked, so it is complete or absent.
                """)

        @Argument(help: "The model: a folder or a Hugging Face id in the local cache.")
        var model: String

        @Option(help: ArgumentHelp("The stored precision: bf16 or int8.", valueName: "precision"))
        var to: Precision

        @Option(help: ArgumentHelp("The folder to create (must not exist, or be empty).", valueName: "dir"))
        var out: String

        @Option(
            help: ArgumentHelp(
                "Bits of int8 weights: 8 runs as stored only on CPUs with VNNI (others re-quantize at load), 7 "
                    + "everywhere (default: \(Precision.int8WeightBits), this CPU's)."))
        var weightBits: Int?

        @OptionGroup var output: JSONOutputOption

        @Flag(name: .shortAndLong, help: "Print no progress bar.")
        var quiet = false

        func validate() throws {
            guard to != .fp32 else { throw ValidationError("--to is bf16 or int8 (fp32 is what models are stored in)") }
            if let weightBits {
                guard weightBits == 7 || weightBits == 8 else { throw ValidationError("--weight-bits is 7 or 8") }
                guard to == .int8 else { throw ValidationError("--weight-bits applies to --to int8 only") }
            }
        }

        func run() async throws {
            let quantizer = try ModelQuantizer(precision: to, int8WeightBits: weightBits ?? Precision.int8WeightBits)
            let bar = quiet ? nil : TerminalProgress.start()
            let report: ModelQuantizer.Report
            do {
                report = try quantizer.quantize(model, into: URL(fileURLWithPath: out)) {
                    bar?.count($0, of: $1, "tensors")
                }
                bar?.finish()
            } catch {
                bar?.finish()
                throw error
            }
            if output.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let bits = report.int8WeightBits.map { " (\($0)-bit weights)" } ?? ""
            print(
                "\(report.output): \(report.precision)\(bits), \(report.convertedTensors) dense weights converted, "
                    + "\(report.copiedTensors) tensors copied, \(TerminalProgress.bytes(Double(report.bytes))) "
                    + "(from \(TerminalProgress.bytes(Double(report.sourceBytes)))) in "
                    + String(format: "%.1f s", report.seconds))
            FileHandle.standardError.write(
                Data("run it with --precision \(report.precision) (or precision in askdocs.toml)\n".utf8))
        }
    }
}
