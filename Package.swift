// swift-tools-version:6.2
//
// kyc-review: the back office that decides identity-verification (KYC) applications.
//
// Layers, every arrow pointing down:
//
//   kyc-reviewd, kyc-review          the two programs: wiring only
//        │
//   KYCServices                      long-running services (check worker, mailer), configuration
//        │
//   KYCStore                         every SQL statement: intake, claims, decisions, outbox, migrations;
//        │                           the daemon's database service (connection pool, one listener)
//        │
//   KYCPostgres   KYCMail            adapters: our libpq wrapper, our libcurl SMTP wrapper
//        │            │
//   CLibPQ  CCurl   KYCDomain        C shims (system libraries) and the pure domain core
//                   KYCVault         sealing identifiers at rest (swift-crypto), pure
//   DispatchExecutor                 the serial executor the adapters' actors run their blocking calls on
import PackageDescription

/// Every target of ours: the upcoming features we hold ourselves to, and a warning is an error (a warning
/// left standing hides the next one).
let strictSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "kyc-review",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kyc-reviewd", targets: ["kyc-reviewd"]),
        .executable(name: "kyc-review", targets: ["kyc-review"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // C shims: system libraries and nothing else.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // The proleptic Gregorian day arithmetic, one text for the domain, the driver and the mail Date header.
        .target(name: "CivilCalendar", swiftSettings: strictSettings),

        // A serial executor over a private dispatch queue, for the actors that own blocking C handles.
        .target(name: "DispatchExecutor", swiftSettings: strictSettings),

        // The domain core: applications, checks, MRZ, policy, decisions, email content. No I/O, no C.
        .target(
            name: "KYCDomain",
            dependencies: ["CivilCalendar", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strictSettings
        ),

        // Sealing of identifiers at rest: the keyring, AES-GCM and the keyed fingerprint. Pure, no I/O.
        .target(
            name: "KYCVault",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),

        // Adapters.
        .target(name: "KYCPostgres", dependencies: ["CLibPQ", "CivilCalendar", "DispatchExecutor"], swiftSettings: strictSettings),
        .target(name: "KYCMail", dependencies: ["CCurl", "CivilCalendar", "KYCDomain", "DispatchExecutor"], swiftSettings: strictSettings),

        // Every SQL statement the product issues, the migrations (sql/, embedded at build time), and the
        // database service that owns the daemon's connections.
        .target(
            name: "KYCStore",
            dependencies: [
                "KYCDomain", "KYCPostgres", "KYCVault",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("sql")],
            swiftSettings: strictSettings
        ),

        // Long-running services and configuration, shared by both programs.
        .target(
            name: "KYCServices",
            dependencies: [
                "KYCDomain", "KYCStore", "KYCMail", "KYCPostgres", "KYCVault",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The programs.
        .executableTarget(
            name: "kyc-reviewd",
            dependencies: [
                "KYCServices", "KYCStore", "KYCMail", "KYCVault",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "kyc-review",
            dependencies: [
                "KYCServices", "KYCStore", "KYCDomain", "KYCMail", "KYCVault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // A probe for `make leakcheck`: many statements through the libpq wrapper, under valgrind.
        .executableTarget(
            name: "postgres-leak-probe",
            dependencies: ["KYCPostgres"],
            path: "Tools/postgres-leak-probe",
            swiftSettings: strictSettings
        ),

        // A probe for the mail benchmark: rendering and encoding alone, no I/O.
        .executableTarget(
            name: "mail-render-probe",
            dependencies: ["KYCDomain", "KYCMail"],
            path: "Tools/mail-render-probe",
            swiftSettings: strictSettings
        ),

        // libFuzzer harnesses for the MRZ parsers and the daemon's reading of stored submissions (`make fuzz`,
        // built with -sanitize=fuzzer -parse-as-library; a plain build makes a program that does nothing).
        .executableTarget(
            name: "domain-fuzzer",
            dependencies: ["KYCDomain"],
            path: "Tools/domain-fuzzer",
            swiftSettings: strictSettings
        ),

        // Tests mirror the source targets; KYCTestSupport finds the servers `make test` started.
        .target(
            name: "KYCTestSupport",
            dependencies: ["KYCPostgres", "KYCStore", "KYCVault"],
            path: "Tests/KYCTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "KYCDomainTests", dependencies: ["KYCDomain"], swiftSettings: strictSettings),
        .testTarget(name: "KYCVaultTests", dependencies: ["KYCVault"], swiftSettings: strictSettings),
        .testTarget(
            name: "KYCPostgresTests",
            dependencies: ["KYCPostgres", "KYCTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KYCMailTests",
            dependencies: ["KYCMail", "KYCTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KYCStoreTests",
            dependencies: [
                "KYCStore", "KYCDomain", "KYCPostgres", "KYCVault", "KYCTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KYCServicesTests",
            dependencies: [
                "KYCServices", "KYCStore", "KYCDomain", "KYCPostgres", "KYCMail", "KYCVault", "KYCTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
