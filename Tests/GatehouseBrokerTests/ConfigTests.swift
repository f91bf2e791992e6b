import Foundation
import GatehouseDataproc
import GatehouseHTTP
import GatehouseStore
import Testing

@testable import GatehouseBroker

@Suite("Configuration")
struct ConfigTests {
    func file(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-config-\(UUID().uuidString.prefix(8)).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func layersDefaultsFileEnvironmentAndFlagsInThatOrder() throws {
        let path = try file("rpc:\n  max_connections: 10\n  threads: 3\nstore:\n  durability: full\n")
        let config = try Config.load(
            file: path, environment: ["GATEHOUSE_RPC_THREADS": "4"], flags: ["socket": "/tmp/x.sock", "rpc.max_batch": "7"])
        typealias Keys = ConfigKeys.Foundation
        #expect(config[Keys.maxConnections] == 10)
        #expect(config[Keys.threads] == 4)
        #expect(config[Keys.durability] == .full)
        #expect(config[Keys.socket] == "/tmp/x.sock")
        #expect(config[Keys.maxBatch] == 7)
        #expect(config[Keys.maxFrameBytes] == 1 << 20)
        #expect(config.sources["rpc.threads"] == "GATEHOUSE_RPC_THREADS")
        #expect(config.sources["rpc.max_connections"] == path)
    }

    @Test func unknownKeysAreNamedWithTheNearestKnownOne() throws {
        let path = try file("rpc:\n  max_conections: 10\n")
        #expect {
            _ = try Config.load(file: path, environment: [:])
        } throws: { error in
            "\(error)".contains("`rpc.max_conections`") && "\(error)".contains("rpc.max_connections")
        }
        #expect(throws: ConfigError.self) { _ = try Config.load(file: nil, environment: ["GATEHOUSE_RPC_MAX_CONECTIONS": "1"]) }
        // Tools' own variables, nowhere near a key, are not config.
        #expect(throws: Never.self) { _ = try Config.load(file: nil, environment: ["GATEHOUSE_OIDC_MOCK_BIN": "/x"]) }
    }

    @Test(arguments: [
        ("rpc.max_frame_bytes", "lots"), ("rpc.max_connections", "0"), ("store.durability", "sometimes"),
        ("log_level", "loud"), ("rpc.allowed_uids", "1000,bob"), ("identity.refresh_ahead_fraction", "0.99"),
        ("identity.refresh_ahead_fraction", "two thirds"), ("clusters.idle_delete_ttl", "soon"), ("clusters.end_of_day", "25:00"),
    ])
    func badValuesSayWhatTheKeyTakes(key: String, value: String) {
        #expect {
            _ = try Config.load(file: nil, environment: [:], flags: [key: value])
        } throws: { error in
            "\(error)".contains(key) && "\(error)".contains(value) && "\(error)".contains("expected")
        }
    }

    @Test func everyDeclaredDefaultIsAValueOfItsOwnKind() throws {
        // Each default goes through the same validation as a value from a file, as if configured.
        let defaults = Dictionary(uniqueKeysWithValues: ConfigKeys.all.compactMap { key in key.defaultValue.map { (key.path, $0) } })
        let config = try Config.load(file: nil, environment: [:], flags: defaults)
        #expect(config[ConfigKeys.Clusters.maxAutoDeleteTTL] == 24 * 3600)
        #expect(config[ConfigKeys.Identity.refreshAheadFraction] == 0.67)
        #expect(try ClusterSettings(config).lifetime.autoDelete == 8 * 3600)
    }

    @Test func settingsReadTypedValuesAndTheirDeclaredDefaults() throws {
        let unset = try Config.load(file: nil, environment: [:])
        #expect(unset[ConfigKeys.Catalog.baseURL] == nil)
        #expect(unset[ConfigKeys.Dataproc.requestTimeout] == .seconds(15))
        #expect(unset[ConfigKeys.Dataproc.logsPoll] == .milliseconds(500))
        #expect(unset[ConfigKeys.Clusters.endOfDay] == nil)
        #expect(unset[ConfigKeys.Clusters.teardown] == .delete)
        #expect(unset[ConfigKeys.Oversight.requireApproval] == ["job.submit@production", "cluster.create", "cluster.delete"])
        #expect(unset.source(of: ConfigKeys.Dataproc.requestTimeout) == "default")

        let path = try file(
            "clusters:\n  idle_delete_ttl: 1h30m\n  end_of_day: \"19:05\"\n  teardown: report\nidentity:\n  refresh_ahead_fraction: 0.5\n")
        let set = try Config.load(file: path, environment: ["GATEHOUSE_RPC_ALLOWED_UIDS": "1001, 1002"])
        #expect(set[ConfigKeys.Clusters.idleDeleteTTL] == 5400)
        #expect(set[ConfigKeys.Clusters.endOfDay]?.minutes == 19 * 60 + 5)
        #expect(set[ConfigKeys.Clusters.teardown] == .report)
        #expect(set[ConfigKeys.Identity.refreshAheadFraction] == 0.5)
        #expect(set[ConfigKeys.Foundation.allowedUIDs] == [1001, 1002])
        #expect(set.source(of: ConfigKeys.Clusters.teardown) == path)
    }

    @Test func httpSettingsAreCheckedAtStartAndNeverShowAProxyPassword() throws {
        let missing = try Config.load(file: nil, environment: [:], flags: ["http.ca_bundle": "/nonexistent/ca.pem"])
        #expect { _ = try UpstreamHTTPSettings(missing) } throws: { "\($0)".contains("`http.ca_bundle`") && "\($0)".contains("PEM") }
        let malformed = try Config.load(file: nil, environment: ["GATEHOUSE_HTTP_PROXY": "ftp://alice:pr0xy-pass@proxy.corp:21"])
        #expect { _ = try UpstreamHTTPSettings(malformed) } throws: { error in
            "\(error)".contains("`http.proxy`") && "\(error)".contains("GATEHOUSE_HTTP_PROXY") && !"\(error)".contains("pr0xy-pass")
        }

        // Only readability is checked at start; libcurl reads the certificates on the first TLS call.
        let bundle = try file("-----BEGIN CERTIFICATE-----\n")
        let proxy = "http://alice:pr0xy-pass@proxy.corp:3128"
        let good = try Config.load(
            file: nil, environment: [:], flags: ["http.ca_bundle": bundle, "http.proxy": proxy, "http.no_proxy": ".corp,localhost"])
        let applied = try UpstreamHTTPSettings(good).applied(to: HTTPClientConfiguration(defaultTimeout: .seconds(7)))
        #expect(applied.caBundlePath == bundle)
        #expect(applied.proxy == HTTPProxy(proxy))
        #expect(applied.noProxy == ".corp,localhost")
        #expect(applied.defaultTimeout == .seconds(7))
        // What `gatehouse config show` prints.
        #expect(good.displayValue("http.proxy") == "http://***@proxy.corp:3128")
        #expect(good.displayValue("http.no_proxy") == ".corp,localhost")
    }

    @Test func aFileThatIsNotAMappingIsRefused() throws {
        #expect(throws: ConfigError.self) { _ = try Config.load(file: try file("- just\n- a list\n"), environment: [:]) }
        #expect(throws: ConfigError.self) { _ = try Config.load(file: "/nonexistent/gatehouse.yaml", environment: [:]) }
    }

    @Test func docsConfigurationIsGeneratedFromTheKeyDeclarations() throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        #expect(text == ConfigReference.markdown, "docs/configuration.md is stale: run `gatehouse config keys > docs/configuration.md`")
        #expect(ConfigKeys.all.allSatisfy { text.contains("| `\($0.path)` |") })
    }
}
