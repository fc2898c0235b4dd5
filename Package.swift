// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "minifo",
    products: [
        .executable(name: "minifo", targets: ["minifo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Raw syscalls and every line of unsafe pointer code.
        .target(name: "CMinifo"),
        .target(name: "MinifoSystem", dependencies: ["CMinifo"]),
        // Bytes to typed requests and typed replies to bytes; no I/O.
        .target(name: "FUSEProtocol"),
        // /dev/fuse, mount and unmount, the session loop and its workers.
        .target(name: "FUSETransport", dependencies: ["FUSEProtocol", "MinifoSystem"]),
        // Layers, lookup, copy-up and the META store; knows nothing of FUSE.
        .target(name: "OverlayCore", dependencies: ["MinifoSystem"]),
        // What a storage directory changes relative to its base, and the formats that show it
        // (status, diff, tar and OCI export, check); no FUSE types, no Foundation.
        .target(name: "StorageChanges", dependencies: ["OverlayCore", "MinifoSystem"]),
        // The overlay served over FUSE: node table, open files, passthrough; the control channel
        // through which `minifo revert` changes a mounted storage directory.
        .target(name: "MinifoServer", dependencies: ["FUSEProtocol", "FUSETransport", "OverlayCore", "StorageChanges", "MinifoSystem"]),
        // The command users type, which is also the mount daemon: started as `minifo-mountd`,
        // it runs no argument parser and no Foundation code, so its RSS stays small.
        // Linked statically in release: on these machines every mapped page of a shared library
        // counts towards the daemon's resident memory, and one static binary maps the least.
        .executableTarget(
            name: "minifo",
            dependencies: [
                "MinifoServer", "StorageChanges",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [.unsafeFlags(["-static-executable", "-l_FoundationCollections", "-l_FoundationCShims"], .when(configuration: .release))]),
        // What the test targets share: a seeded random generator.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FUSEProtocolTests", dependencies: ["FUSEProtocol", "TestSupport"]),
        .testTarget(name: "OverlayCoreTests", dependencies: ["OverlayCore", "MinifoSystem", "TestSupport"]),
        .testTarget(name: "StorageChangesTests", dependencies: ["StorageChanges", "OverlayCore", "MinifoSystem"]),
        .testTarget(name: "MountTests", dependencies: ["MinifoSystem", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
