/// What `GET /api/models/{repo}/revision/{rev}?blobs=true` answers: the commit and the files at it.
public struct HubRepoInfo: Decodable, Sendable, Equatable {
    /// The commit the revision resolves to.
    public var sha: String
    /// The files of the repo at that commit.
    public var siblings: [HubRepoFile]

    /// Explicit repo info.
    public init(sha: String, siblings: [HubRepoFile]) {
        self.sha = sha
        self.siblings = siblings
    }
}

/// One file of a repo, with the size and hashes the Hub reports when asked for blobs.
public struct HubRepoFile: Decodable, Sendable, Equatable {
    /// The path inside the repo (`1_Pooling/config.json`).
    public var rfilename: String
    /// The size in bytes (of the content, also for LFS files).
    public var size: Int64?
    /// The git blob id (SHA-1) of what git stores: the content for small files, the pointer for LFS files.
    public var blobId: String?
    /// The LFS content description, for files stored in LFS.
    public var lfs: LFS?

    /// The LFS part of a file's description.
    public struct LFS: Decodable, Sendable, Equatable {
        /// The SHA-256 of the content.
        public var sha256: String
        /// The size of the content.
        public var size: Int64
    }

    /// A file description.
    public init(rfilename: String, size: Int64? = nil, blobId: String? = nil, lfs: LFS? = nil) {
        self.rfilename = rfilename
        self.size = size
        self.blobId = blobId
        self.lfs = lfs
    }

    /// The digest the content must have: the LFS SHA-256, else the git blob id of the content.
    public var expectedDigest: BlobDigest? {
        if let lfs { return .sha256(lfs.sha256.lowercased()) }
        if let blobId { return .gitBlob(blobId.lowercased()) }
        return nil
    }
}
