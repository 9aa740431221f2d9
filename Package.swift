// swift-tools-version: 6.0
import PackageDescription

// attest measures parallelism through Linux interfaces (/proc, cgroups, sched_getaffinity, Glibc):
// elsewhere it would not build, so say so in one sentence instead of a page of compiler errors.
#if !os(Linux)
#error("attest builds and runs on Linux only (it reads /proc and cgroups and uses Glibc); build it on Linux, see README.md, Supported platforms")
#endif

// Strict settings for every Swift target: warnings in the library code are
// treated as what they usually are in a security tool: bugs waiting to happen.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "attest",
    products: [
        // The command is the product; the libraries are this package's own layers (nothing
        // outside uses them), so they are targets, not products.
        .executable(name: "attest", targets: ["attest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries: OpenSSL as a system library (linked); libgit2 through a small loader.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // libcurl for the POST to an RFC 3161 Time-Stamp Authority (the only HTTP attest speaks).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // libgit2, loaded when first used (its headers from libgit2-dev; see include/cgit2.h).
        .target(name: "CGit2"),
        // What Glibc does not export to Swift (CPU sets, gettid, sched_getcpu).
        .target(
            name: "CSystemShims",
            cSettings: [.define("_GNU_SOURCE")]
        ),

        .target(
            name: "Evidence",
            dependencies: ["COpenSSL", "CGit2", "CCurl"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "SwarmRuntime",
            dependencies: ["CSystemShims"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Gates",
            dependencies: ["Evidence", "SwarmRuntime"],
            swiftSettings: strictSwift
        ),
        // One self-contained HTML page (inline SVG, no script) from a bundle and its verification.
        .target(
            name: "Report",
            dependencies: ["Evidence", "Gates"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "attest",
            dependencies: [
                "Evidence", "Gates", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "swarm-bench",
            dependencies: ["SwarmRuntime"],
            path: "Benchmarks/SwarmBench",
            exclude: ["reference.c"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "attest-bench",
            dependencies: ["Evidence", "Gates", "SwarmRuntime", "COpenSSL"],
            path: "Benchmarks/AttestBench",
            swiftSettings: strictSwift
        ),
        // libFuzzer target over parsing + verification; `make fuzz` builds it with -sanitize=fuzzer.
        .executableTarget(
            name: "attest-fuzz",
            dependencies: ["Evidence", "Gates"],
            path: "Fuzz/AttestFuzz",
            swiftSettings: strictSwift
        ),

        .testTarget(
            name: "EvidenceTests",
            dependencies: ["Evidence"],
            resources: [.copy("Resources")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "SwarmRuntimeTests",
            dependencies: ["SwarmRuntime"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "GatesTests",
            dependencies: ["Gates", "Evidence", "SwarmRuntime"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ReportTests",
            dependencies: ["Report", "Gates", "Evidence"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "AttestCLITests",
            dependencies: ["Evidence"],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
