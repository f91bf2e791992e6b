// swift-tools-version:6.1
import PackageDescription

// Gatehouse: a per-host access broker. One target per concern; dependencies point one way:
// the store and the upstream clients know nothing of RPC, and RPC knows nothing of upstreams.

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .executable(name: "gatehouse-sandbox", targets: ["gatehouse-sandbox"]),
        .executable(name: "gatehouse-bench", targets: ["gatehouse-bench"]),
        .library(name: "GatehouseTesting", targets: ["GatehouseTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // MARK: shared vocabulary
        .target(
            name: "GatehouseCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // MARK: storage and audit
        .target(
            name: "GatehouseStore",
            dependencies: ["GatehouseCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.embedInCode("schema")],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseAudit",
            dependencies: ["GatehouseCore", "GatehouseStore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // MARK: outbound HTTP (libcurl)
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(
            name: "GatehouseHTTP",
            dependencies: ["GatehouseCore", "CCurl", "CCurlShim", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // MARK: JSON-RPC server
        .target(
            name: "GatehouseRPC",
            dependencies: [
                "GatehouseCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: services
        .target(
            name: "GatehouseIdentity",
            dependencies: [
                "GatehouseCore", "GatehouseStore", "GatehouseHTTP",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseCatalog",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "GatehousePolicy",
            dependencies: ["GatehouseCore", "GatehouseCatalog"],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseLooker",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseIdentity", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseDataproc",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // MARK: the daemon and its CLI
        .target(
            name: "GatehouseBroker",
            dependencies: [
                "GatehouseCore", "GatehouseStore", "GatehouseAudit", "GatehouseRPC", "GatehouseHTTP",
                "GatehouseIdentity", "GatehouseCatalog", "GatehousePolicy", "GatehouseLooker", "GatehouseDataproc",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseCore", "GatehouseBroker", "GatehouseRPC", "GatehouseAudit", "GatehouseStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: the upstream sandbox (a library, so users can test their scripts against it)
        .target(
            name: "GatehouseTesting",
            dependencies: [
                "GatehouseCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatehouse-sandbox",
            dependencies: ["GatehouseTesting", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),

        // MARK: benchmarks
        // libFuzzer targets (scripts/fuzz.sh builds them with -sanitize=fuzzer); a plain build replays saved inputs.
        .executableTarget(
            name: "gatehouse-fuzz",
            dependencies: ["GatehouseCore", "GatehouseRPC"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatehouse-bench",
            dependencies: [
                "GatehouseCore", "GatehouseStore", "GatehouseAudit", "GatehouseRPC",
                "GatehouseCatalog", "GatehouseHTTP", "GatehouseTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // MARK: tests
        .testTarget(name: "GatehouseCoreTests", dependencies: ["GatehouseCore"]),
        .testTarget(
            name: "GatehouseIdentityTests",
            dependencies: [
                "GatehouseIdentity", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .testTarget(
            name: "GatehouseCatalogTests",
            dependencies: [
                "GatehouseCatalog", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "GatehousePolicyTests",
            dependencies: ["GatehousePolicy", "GatehouseCatalog", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting"]
        ),
        .testTarget(
            name: "GatehouseStoreTests",
            dependencies: ["GatehouseStore", "GatehouseAudit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "GatehouseRPCTests", dependencies: ["GatehouseRPC", "GatehouseCore", "GatehouseTesting"]),
        .testTarget(name: "GatehouseBrokerTests", dependencies: ["GatehouseBroker", "GatehouseTesting"]),
        .testTarget(
            name: "GatehouseHTTPTests",
            dependencies: ["GatehouseHTTP", "GatehouseTesting", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(
            name: "GatehouseTestingTests",
            dependencies: ["GatehouseTesting", "GatehouseHTTP", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(
            name: "GatehouseLookerTests",
            dependencies: ["GatehouseLooker", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseIdentity", "GatehouseTesting"]
        ),
        .testTarget(
            name: "GatehouseDataprocTests",
            dependencies: ["GatehouseDataproc", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting"]
        ),
        .testTarget(
            name: "GatehouseIntegrationTests",
            dependencies: ["GatehouseCore", "GatehouseTesting", "gatehouse", "gatehouse-sandbox"]
        ),
    ]
)
