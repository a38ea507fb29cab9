import ArgumentParser
import Foundation
import Hub

extension AskDocsCommand {
    /// `askdocs models`: download, list, verify and remove models in the Hugging Face cache.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "models",
            abstract: "Download, list, verify, remove and quantize models.",
            discussion: """
                The cache is the one huggingface_hub and transformers use ($HF_HUB_CACHE, else $HF_HOME/hub, else \
                ~/.cache/huggingface/hub), so models are shared with Python tools. HF_ENDPOINT, HF_TOKEN (or the \
                token saved by `huggingface-cli login`) and HF_HUB_OFFLINE=1 are honoured.
                """,
            subcommands: [Pull.self, List.self, Verify.self, Remove.self, Quantize.self]
        )
    }
}

extension AskDocsCommand.Models {
    /// `askdocs models pull REPO_ID`: downloads the files inference needs into the cache.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a model from the Hugging Face Hub into the cache.",
            discussion: """
                Fetches only what inference needs (config, safetensors weights, tokenizer and sentence-transformers \
                files), resumes interrupted downloads, verifies every file (SHA-256 or git blob id) and prints the \
                snapshot folder, which every --model option accepts (as does the repo id itself).
                """
        )

        @Argument(help: "The model's repo id (OWNER/NAME), e.g. deepset/xlm-roberta-large-squad2.")
        var repoID: String

        @Option(help: "The branch, tag or commit to download.")
        var revision = "main"

        @Flag(name: .shortAndLong, help: "Print no progress bar.")
        var quiet = false

        func validate() throws {
            guard HubCache.isModelID(repoID) else {
                throw ValidationError("'\(repoID)' is not a Hugging Face repo id (OWNER/NAME)")
            }
            guard !revision.isEmpty else { throw ValidationError("--revision must not be empty") }
        }

        func run() async throws {
            let environment = HubEnvironment()
            let bar = quiet ? nil : TerminalProgress.start()
            let model: PulledModel
            do {
                model = try await ModelDownloader(environment: environment).pull(repoID, revision: revision) {
                    bar?.transferred($0.completedBytes, of: $0.totalBytes, $0.file)
                }
                bar?.finish()
            } catch {
                bar?.finish()
                throw error
            }
            let size = TerminalProgress.bytes(Double(model.totalBytes))
            let note =
                environment.offline
                ? "offline: already in the cache"
                : model.downloadedBytes == 0
                    ? "already in the cache" : "downloaded \(TerminalProgress.bytes(Double(model.downloadedBytes)))"
            FileHandle.standardError.write(
                Data("\(model.repo)@\(model.commit.prefix(12)): \(model.files.count) files, \(size) (\(note))\n".utf8))
            print(model.snapshot.path)
        }
    }

    /// `askdocs models list`: the cached models, their revisions and sizes, and whether AskDocs runs them.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models in the Hugging Face cache, with revisions, sizes and whether AskDocs runs them.")

        func run() async throws {
            let cache = HubCache()
            let models = cache.models()
            guard !models.isEmpty else {
                FileHandle.standardError.write(Data("no models in \(cache.root.path)\n".utf8))
                return
            }
            print("MODEL\tREVISION\tCOMMIT\tSIZE\tRUNS")
            for model in models {
                for snapshot in model.snapshots {
                    let refs = snapshot.refs.isEmpty ? "-" : snapshot.refs.joined(separator: ",")
                    let runs = snapshot.isRunnable ? "yes" : "no (needs config, safetensors, tokenizer)"
                    print(
                        "\(model.repo)\t\(refs)\t\(snapshot.commit.prefix(12))\t"
                            + "\(TerminalProgress.bytes(Double(snapshot.size)))\t\(runs)")
                }
            }
        }
    }

    /// `askdocs models verify REPO_ID`: re-hashes the cached files.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash a cached model's files against the hashes their blobs are named by.")

        @Argument(help: "The model's repo id (OWNER/NAME).")
        var repoID: String

        @Option(help: "Only the snapshot this branch, tag or commit names (default: every snapshot).")
        var revision: String?

        func run() async throws {
            let results = try HubCache().verify(repoID, revision: revision)
            var bad = 0
            for result in results {
                let line: String
                switch result.status {
                case .ok: line = "ok"
                case .unverifiable: line = "not checked (not a blob link)"
                case .missing:
                    line = "MISSING blob"
                    bad += 1
                case .corrupt(let actual):
                    line = "CORRUPT (hashes to \(actual.prefix(12))…)"
                    bad += 1
                }
                print("\(result.commit.prefix(12))\t\(result.file)\t\(line)")
            }
            guard bad == 0 else {
                throw CommandFailure(
                    "\(bad) of \(results.count) files of \(repoID) are damaged; "
                        + "`askdocs models rm \(repoID)` then pull again")
            }
        }
    }

    /// `askdocs models rm REPO_ID`: removes a cached model or one of its revisions.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a model (or one revision of it) from the Hugging Face cache.")

        @Argument(help: "The model's repo id (OWNER/NAME).")
        var repoID: String

        @Option(help: "Remove only the snapshot this branch, tag or commit names, and blobs no other one uses.")
        var revision: String?

        func run() async throws {
            let freed = try HubCache().remove(repoID, revision: revision)
            let what = revision.map { "\(repoID) at \($0)" } ?? repoID
            FileHandle.standardError.write(
                Data("removed \(what), freed \(TerminalProgress.bytes(Double(freed)))\n".utf8))
        }
    }
}
