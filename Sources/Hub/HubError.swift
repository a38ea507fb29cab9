import Foundation

/// Why a download from the Hub failed; one actionable line each.
public enum HubError: LocalizedError, Equatable, Sendable {
    /// The Hub could not be reached at all (no route, refused, DNS, timeout).
    case noNetwork(endpoint: String, reason: String)
    /// Offline mode is on and the cache does not hold the model at that revision.
    case offlineNotCached(repo: String, revision: String, cache: String)
    /// The Hub wants a token (401).
    case unauthorized(repo: String, tokenGiven: Bool)
    /// The token may not read the repo, typically a gated repo whose licence was not accepted (403).
    case forbidden(repo: String, endpoint: String)
    /// No such repo (or a private one the token cannot see).
    case repoNotFound(repo: String)
    /// The repo has no such branch, tag or commit.
    case revisionNotFound(repo: String, revision: String)
    /// The repo has no such file at that commit.
    case fileNotFound(repo: String, file: String, commit: String)
    /// The repo holds no weights AskDocs can load (only pickled `pytorch_model.bin`, or none at all).
    case noSafetensors(repo: String, found: [String])
    /// A downloaded file does not hash to what the Hub announced; it was removed.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The connection kept dropping during a file; what arrived stays in `blobs/` for the next pull to resume.
    case interrupted(file: String, received: Int64, total: Int64, reason: String)
    /// The disk ran out of space while writing.
    case diskFull(path: String, needed: Int64?)
    /// Another pull holds the lock of a file for longer than this one waits.
    case lockHeld(path: String, waited: Double)
    /// The Hub answered something else that is unusable.
    case badResponse(url: String, status: Int, message: String)
    /// A local file operation failed.
    case fileSystem(path: String, reason: String)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .noNetwork(let endpoint, let reason):
            return "cannot reach the Hub at \(endpoint) (\(reason)); check the network, or set HF_HUB_OFFLINE=1 "
                + "to use only models already in the cache"
        case .offlineNotCached(let repo, let revision, let cache):
            return "offline mode (HF_HUB_OFFLINE) is on and \(repo) at \(revision) is not in \(cache); "
                + "unset HF_HUB_OFFLINE to download it"
        case .unauthorized(let repo, let tokenGiven):
            return tokenGiven
                ? "the Hub refused the token for \(repo) (401); check HF_TOKEN or the saved token"
                : "\(repo) needs a Hugging Face token (401): set HF_TOKEN or log in with `huggingface-cli login`"
        case .forbidden(let repo, let endpoint):
            return "access to \(repo) is restricted (403): accept its licence at \(endpoint)/\(repo) "
                + "with the account of your token, then retry"
        case .repoNotFound(let repo):
            return "no model \(repo) on the Hub (404); check the id, or set HF_TOKEN if it is private"
        case .revisionNotFound(let repo, let revision):
            return "\(repo) has no revision \(revision) (404); use a branch, tag or commit of that repo"
        case .fileNotFound(let repo, let file, let commit):
            return "\(repo) has no file \(file) at commit \(commit) (404)"
        case .noSafetensors(let repo, let found):
            let pickles = found.filter { $0.hasSuffix(".bin") || $0.hasSuffix(".pt") || $0.hasSuffix(".pth") }
            if !pickles.isEmpty {
                return "\(repo) has only PyTorch pickle weights (\(pickles.joined(separator: ", "))); AskDocs loads "
                    + "safetensors only: pick a repo with model.safetensors or convert it"
            }
            return "\(repo) has no model.safetensors weights; AskDocs loads safetensors only"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file) is corrupt (hash \(actual.prefix(12))…, expected \(expected.prefix(12))…); "
                + "the bad download was removed, retry the pull"
        case .interrupted(let file, let received, let total, let reason):
            return "the download of \(file) stopped at \(received) of \(total) bytes (\(reason)); "
                + "run the pull again to resume it"
        case .diskFull(let path, let needed):
            let size = needed.map { " (\(ByteCountFormatter.string(fromByteCount: $0, countStyle: .file)) needed)" }
            return "no space left on the disk of \(path)\(size ?? ""); free some space or set HF_HUB_CACHE elsewhere"
        case .lockHeld(let path, let waited):
            return "another download holds \(path) (waited \(Int(waited)) s); wait for it to finish, "
                + "or remove the lock file if no download is running"
        case .badResponse(let url, let status, let message):
            return "the Hub answered \(status) for \(url)\(message.isEmpty ? "" : ": \(message)")"
        case .fileSystem(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
