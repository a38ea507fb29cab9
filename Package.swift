// swift-tools-version:6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "AskDocs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "askdocs", targets: ["AskDocsCLI"]),
        .library(name: "AskDocs", targets: ["AskDocs"]),
        // The parsers a user's file reaches, for the harnesses in Fuzz/Package.swift.
        .library(name: "AskDocsParsers", targets: ["Tokenizers", "Transformer", "Retrieval", "Ingest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // MARK: Native shims
        .target(
            name: "CFaiss",
            linkerSettings: [
                .linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("openblas"),
                .linkedLibrary("m"),
            ]
        ),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CICU", linkerSettings: [.linkedLibrary("icuuc")]),
        .target(name: "CCLD2", linkerSettings: [.linkedLibrary("cld2")]),
        .systemLibrary(name: "CLibz", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // oneDNN's matmul for the bf16 and int8 (and optional fp32) products; Debian's libdnnl-dev has no pkg-config file.
        .target(name: "CDNNL", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp"), .linkedLibrary("m")]),
        // Element-wise loops over every activation (GELU, softmax), compiled per instruction set and picked at load.
        .target(name: "CKernels"),

        // MARK: Models and text
        .target(name: "Tokenizers", swiftSettings: swiftSettings),
        .target(name: "Transformer", dependencies: ["COpenBLAS", "CDNNL", "CKernels"], swiftSettings: swiftSettings),
        // Hidden tool for scripts/bench (speed and full-size parity); not a product.
        .executableTarget(
            name: "TransformerBench", dependencies: ["Transformer", "Retrieval"], swiftSettings: swiftSettings),

        // MARK: Product building blocks
        .target(name: "Reader", dependencies: ["Tokenizers", "Transformer"], swiftSettings: swiftSettings),
        // Fine-tuning of the extractive reader: the encoder's backward pass, AdamW, training windows.
        .target(
            name: "Training",
            dependencies: [
                "Tokenizers", "Transformer", "Reader", "COpenBLAS", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "DocumentStore", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        // The shared store for scale-out: PostgreSQL + pgvector (HNSW), BM25 from posting tables (FTS5's formula).
        .target(
            name: "PostgresStore",
            dependencies: [
                "DocumentStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Ingest",
            dependencies: [
                "CICU", "CCLD2", "CLibz", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Retrieval",
            dependencies: ["CFaiss", "Tokenizers", "Transformer"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Hub",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // Hidden tool for scripts/bench: language detection accuracy, CLD2 against the detector it replaced.
        .executableTarget(
            name: "LanguageBench", dependencies: ["Ingest"], path: "scripts/bench/LanguageBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Pipelines and front ends
        .target(
            name: "AskDocs",
            dependencies: [
                "Tokenizers", "Transformer", "Reader", "Training", "DocumentStore", "PostgresStore", "Ingest",
                "Retrieval", "Hub", .product(name: "Crypto", package: "swift-crypto"),
                // askdocs.toml (Configuration+TOML.swift); no other target reads TOML.
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API over the pipelines: Hummingbird 2 routes, dynamic batching of reads, Prometheus metrics.
        .target(
            name: "Server",
            dependencies: [
                "AskDocs", "Reader",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AskDocsCLI",
            dependencies: [
                "AskDocs", "Tokenizers", "Transformer", "Retrieval", "Reader", "Training", "DocumentStore", "Hub",
                "Server", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        // Gzip fixtures, the float32 rounding-error model shared by the numeric suites, ChildProcess (which starts
        // programs as Ingest's BoundedProgram does) and the PostgreSQL test servers.
        .target(
            name: "TestSupport", dependencies: ["Transformer", "Ingest"], path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        // Reads what an index publishes, to compare two indexes of the same files (AskDocs and CLI suites).
        .target(
            name: "IndexTestSupport", dependencies: ["AskDocs", "DocumentStore", "Retrieval"],
            path: "Tests/IndexTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "NativeShimTests", dependencies: ["CFaiss", "COpenBLAS", "CSQLite", "CICU", "CCLD2"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AskDocsCLITests",
            dependencies: [
                "AskDocs", "AskDocsCLI", "DocumentStore", "PostgresStore", "Reader", "Retrieval", "Transformer",
                "IndexTestSupport", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // Read by path (#filePath): the tests hand these files to the built executable; Support holds the
            // browser and schemathesis drivers the serve tests run.
            exclude: ["Fixtures", "Support"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TransformerTests", dependencies: ["Transformer", "CDNNL", "CKernels", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresStoreTests", dependencies: ["PostgresStore", "DocumentStore", "TestSupport"],
            exclude: ["Support"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocumentStoreTests", dependencies: ["DocumentStore", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IngestTests", dependencies: ["Ingest", .product(name: "Crypto", package: "swift-crypto")],
            // Read by path (#filePath), also by AskDocsTests: real files the readers and detectors are checked on.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AskDocsTests",
            dependencies: [
                "AskDocs", "DocumentStore", "PostgresStore", "Ingest", "Reader", "Retrieval", "Tokenizers",
                "Transformer", "Hub", "IndexTestSupport", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RetrievalTests", dependencies: ["Retrieval", "TestSupport"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HubTests", dependencies: ["Hub", "TestSupport"],
            // The local Hub stand-in (Python) and its helpers, run by path (#filePath).
            exclude: ["Support"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests", dependencies: ["Server", "AskDocs", "Reader", "Transformer", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "Reader", "Tokenizers", "Transformer", "TestSupport"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReaderTests", dependencies: ["Reader", "TestSupport"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
