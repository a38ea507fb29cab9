// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for every parser a user's file reaches; built only by scripts/fuzz, never by CI's build.
let package = Package(
    name: "AskDocsFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "AskDocsFuzz",
            dependencies: [.product(name: "AskDocsParsers", package: "AskDocs")]
        )
    ],
    swiftLanguageModes: [.v6]
)
