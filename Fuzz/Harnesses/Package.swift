// swift-tools-version:6.1
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which is whatever the clone is called.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
    .lastPathComponent

// libFuzzer harnesses for every parser a user's file reaches; built only by scripts/fuzz (in its own folder so its package name never clashes with the clone's), never by CI's build.
let package = Package(
    name: "AskDocsFuzzHarnesses",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "AskDocsFuzz",
            dependencies: [.product(name: "AskDocsParsers", package: mainPackage)]
        )
    ],
    swiftLanguageModes: [.v6]
)
