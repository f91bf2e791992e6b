// swift-tools-version:6.1
import PackageDescription

// Gatehouse: a per-host access broker. One target per concern; dependencies point one way:
// the store and the upstream clients know nothing of RPC, and RPC knows nothing of upstreams.

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Every target names each module it imports (CI builds with --explicit-target-dependency-import-check error).
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let grdbSQLite: Target.Dependency = .product(name: "GRDBSQLite", package: "GRDB.swift")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let cryptoExtras: Target.Dependency = .product(name: "_CryptoExtras", package: "swift-crypto")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let jwtKit: Target.Dependency = .product(name: "JWTKit", package: "jwt-kit")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")

let package = Package(
    name: "gatehouse",
    // Linux only: the daemon reads SO_PEERCRED and /proc, and imports Glibc.
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .executable(name: "gatehouse-front", targets: ["gatehouse-front"]),
        .executable(name: "gatehouse-sandbox", targets: ["gatehouse-sandbox"]),
        .executable(name: "gatehouse-bench", targets: ["gatehouse-bench"]),
        .executable(name: "gatehouse-collector", targets: ["gatehouse-collector"]),
        .library(name: "GatehouseTesting", targets: ["GatehouseTesting"]),
        // Preloaded into daemons by the clock-jump tests (Tests/FakeWallClock says why not libfaketime).
        .library(name: "FakeWallClock", type: .dynamic, targets: ["FakeWallClock"]),
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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: shared vocabulary
        .target(name: "GatehouseCore", dependencies: [crypto], swiftSettings: strict),

        // MARK: storage and audit
        .target(
            name: "GatehouseStore",
            dependencies: ["GatehouseCore", grdb],
            resources: [.embedInCode("schema")],
            swiftSettings: strict
        ),
        .target(name: "GatehouseAudit", dependencies: ["GatehouseCore", "GatehouseStore", crypto, grdb, grdbSQLite], swiftSettings: strict),

        // MARK: outbound HTTP (libcurl)
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(name: "GatehouseHTTP", dependencies: ["GatehouseCore", "CCurl", "CCurlShim", logging], swiftSettings: strict),

        // MARK: the caller, as the kernel reports it (SO_PEERCRED, /proc)
        .target(name: "GatehousePeer", dependencies: ["GatehouseCore", crypto], swiftSettings: strict),

        // MARK: JSON-RPC server
        // Knows the store only for the type of a call's state change, which commits with its audit record.
        .target(
            name: "GatehouseRPC", dependencies: ["GatehouseCore", "GatehousePeer", "GatehouseStore", nioCore, nioPosix, logging],
            swiftSettings: strict),

        // MARK: services
        .target(
            name: "GatehouseIdentity",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", jwtKit, crypto, grdb, logging, nioCore, nioPosix, nioHTTP1],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseCatalog",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", grdb, logging],
            swiftSettings: strict
        ),
        .target(name: "GatehousePolicy", dependencies: ["GatehouseCore", "GatehouseCatalog"], swiftSettings: strict),
        // Approvals held for a person: the records, their store and who counts as a person at a terminal.
        .target(
            name: "GatehouseOversight",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehousePeer", grdb],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseLooker",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseIdentity", grdb, logging],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseDataproc",
            dependencies: ["GatehouseCore", "GatehouseStore", "GatehouseHTTP", grdb, logging],
            swiftSettings: strict
        ),

        // MARK: the daemon and its CLI
        .target(
            name: "GatehouseBroker",
            dependencies: [
                "GatehouseCore", "GatehouseStore", "GatehouseAudit", "GatehousePeer", "GatehouseRPC", "GatehouseHTTP",
                "GatehouseIdentity", "GatehouseCatalog", "GatehousePolicy", "GatehouseOversight", "GatehouseLooker", "GatehouseDataproc",
                "GatehouseFleet", grdb, yams, logging, nioCore, nioPosix, serviceLifecycle,
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseCore", "GatehouseBroker", "GatehouseRPC", "GatehouseAudit", "GatehouseStore", "GatehouseLooker", "GatehouseHTTP", grdb,
                argumentParser, logging,
            ],
            swiftSettings: strict
        ),

        // The CLI's fast paths (call system.ping, token google-executable) with nothing but Glibc linked;
        // it execs the full CLI for everything else. The Debian package installs it as /usr/bin/gatehouse.
        .executableTarget(name: "gatehouse-front", swiftSettings: strict),
        // MARK: the fleet: hosts ship their audit chain to a collector in front of PostgreSQL
        // Wire types and signed checkpoints, shared by the daemon (shipper) and the collector.
        .target(
            name: "GatehouseFleet",
            dependencies: ["GatehouseCore", "GatehouseAudit", "GatehouseHTTP", "GatehouseIdentity", "GatehouseStore", crypto, grdb, logging],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseCollector",
            dependencies: [
                "GatehouseCore", "GatehouseAudit", "GatehouseFleet", "GatehouseHTTP", "GatehouseIdentity", "GatehouseStore",
                hummingbird, httpTypes, postgresNIO, nioCore, logging, crypto, serviceLifecycle,
            ],
            resources: [.embedInCode("schema")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gatehouse-collector",
            dependencies: ["GatehouseCollector", "GatehouseIdentity", postgresNIO, argumentParser, logging],
            swiftSettings: strict
        ),

        // MARK: the upstream sandbox (a library, so users can test their scripts against it)
        .target(
            name: "GatehouseTesting",
            dependencies: ["GatehouseCore", hummingbird, httpTypes, jwtKit, crypto, cryptoExtras, nioCore, yams, logging],
            resources: [.embedInCode("Fixtures/demo-world.yaml")],
            swiftSettings: strict
        ),
        .executableTarget(name: "gatehouse-sandbox", dependencies: ["GatehouseTesting", argumentParser], swiftSettings: strict),

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
                "GatehouseCore", "GatehouseStore", "GatehouseAudit", "GatehouseRPC", "GatehouseCatalog", "GatehouseHTTP", "GatehouseTesting",
                grdb, grdbSQLite, argumentParser, nioCore, nioPosix,
                "GatehouseFleet", "GatehouseCollector", postgresNIO, crypto, logging,
            ],
            swiftSettings: strict
        ),

        // MARK: tests
        // What every test target shares: bounded waits, scoped resources that stop before the test ends, temp directories.
        .target(name: "FakeWallClock", path: "Tests/FakeWallClock"),
        .target(
            name: "GatehouseTestSupport",
            dependencies: ["GatehouseTesting", "GatehouseStore"],
            path: "Tests/GatehouseTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "GatehouseCoreTests", dependencies: ["GatehouseTestSupport", "GatehouseCore"], swiftSettings: strict),
        .testTarget(
            name: "GatehouseIdentityTests",
            dependencies: [
                "GatehouseTestSupport", "GatehouseIdentity", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting", hummingbird,
                jwtKit, crypto, grdb, logging,
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseCatalogTests",
            dependencies: ["GatehouseTestSupport", "GatehouseCatalog", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting", grdb],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehousePolicyTests",
            dependencies: [
                "GatehouseTestSupport", "GatehousePolicy", "GatehouseCatalog", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseStoreTests",
            dependencies: ["GatehouseTestSupport", "GatehouseStore", "GatehouseCore", grdb],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseAuditTests",
            dependencies: ["GatehouseTestSupport", "GatehouseAudit", "GatehouseStore", "GatehouseCore", crypto, grdb],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseRPCTests",
            dependencies: ["GatehouseTestSupport", "GatehouseRPC", "GatehousePeer", "GatehouseCore", "GatehouseTesting", logging],
            swiftSettings: strict),
        .testTarget(
            name: "GatehouseBrokerTests",
            dependencies: [
                "GatehouseTestSupport",
                "GatehouseBroker", "GatehouseAudit", "GatehouseCatalog", "GatehouseCore", "GatehouseDataproc", "GatehouseHTTP", "GatehouseOversight",
                "GatehousePeer",
                "GatehousePolicy", "GatehouseRPC", "GatehouseStore", "GatehouseTesting", grdb, logging,
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseHTTPTests",
            dependencies: ["GatehouseTestSupport", "GatehouseHTTP", "GatehouseTesting", hummingbird, logging, nioCore],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseTestingTests",
            dependencies: ["GatehouseTestSupport", "GatehouseTesting", "GatehouseCore", "GatehouseHTTP", hummingbird, crypto, jwtKit, logging],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseLookerTests",
            dependencies: [
                "GatehouseTestSupport", "GatehouseLooker", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseIdentity",
                "GatehouseTesting", crypto, logging,
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseDataprocTests",
            dependencies: [
                "GatehouseTestSupport", "GatehouseDataproc", "GatehouseCore", "GatehouseStore", "GatehouseHTTP", "GatehouseTesting", grdb, logging,
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseFleetTests",
            dependencies: [
                "GatehouseTestSupport", "GatehouseFleet", "GatehouseCollector", "GatehouseAudit", "GatehouseCore", "GatehouseHTTP",
                "GatehouseIdentity", "GatehouseTesting", "GatehouseStore", postgresNIO, crypto, logging, yams, grdb,
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseIntegrationTests",
            dependencies: [
                "GatehouseTestSupport", "GatehouseCore", "GatehouseRPC", "GatehouseTesting", "gatehouse", "gatehouse-sandbox", "gatehouse-front",
                "gatehouse-collector",
            ],
            swiftSettings: strict
        ),
    ]
)
