import Foundation
import GatehouseCore
import Testing

@testable import GatehouseBroker

/// Hostile or broken configuration files fail fast with a message naming the file and the limit.
@Suite("Configuration bounds")
struct ConfigBoundsTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-bounds-\(UUID().uuidString.prefix(8)).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Nine levels of ten aliases each: 10⁹ values once expanded, from under 1 KB of text.
    static let aliasBomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    func loadError(_ path: String) -> String? {
        do {
            _ = try Config.load(file: path, environment: [:])
            return nil
        } catch {
            return error.description
        }
    }

    @Test func anAliasBombIsRefusedNamingTheFileAndTheLimit() throws {
        let path = try file(Self.aliasBomb)
        let message = try #require(loadError(path))
        #expect(message.contains(path) && message.contains("100000") && message.contains("aliases"), "\(message)")
    }

    @Test func aliasesWithinTheLimitStillWork() throws {
        let path = try file("oversight:\n  require_approval: &approvals [job.submit, cluster.create]\nx: *approvals\n")
        // `x` is unknown, but only after the aliases were resolved: the alias itself is allowed.
        let message = try #require(loadError(path))
        #expect(message.contains("unknown config key `x`"), "\(message)")
    }

    @Test func deepNestingIsRefusedNamingTheLimit() throws {
        let path = try file("rpc: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n")
        let message = try #require(loadError(path))
        #expect(message.contains(path) && message.contains("64 levels"), "\(message)")
    }

    @Test func anOversizedFileIsRefusedBeforeItIsParsed() throws {
        let path = try file("# " + String(repeating: "x", count: 2 << 20) + "\n")
        let message = try #require(loadError(path))
        #expect(message.contains(path) && message.contains("1048576-byte limit"), "\(message)")
    }

    @Test func theBoundsCountExpandedValuesExactly() throws {
        let bounds = YAMLBounds(maxBytes: 1 << 20, maxNodes: 13, maxDepth: 8)
        // 1 mapping + 2 keys + sequence(1 + 3) + alias of it (4) = 11 nodes.
        try bounds.check("a: &s [1, 2, 3]\nb: *s\n")
        #expect(throws: YAMLBounds.Violation.tooManyNodes(limit: 13)) { try bounds.check("a: &s [1, 2, 3]\nb: *s\nc: *s\n") }
        #expect(throws: YAMLBounds.Violation.undefinedAlias("nope")) { try bounds.check("a: *nope\n") }
    }

    @Test func upstreamURLsAreCheckedAtLoadNamingTheKey() throws {
        for bad in ["not a url", "ftp://example.com", "http://", "localhost:7007", "https:///path"] {
            #expect(throws: ConfigError.self, "\(bad)") {
                _ = try Config.load(file: nil, environment: ["GATEHOUSE_CATALOG_BASE_URL": bad])
            }
        }
        let path = try file("catalog:\n  base_url: \"not a url\"\n")
        let message = try #require(loadError(path))
        #expect(message.contains("catalog.base_url") && message.contains("http:// or https:// URL"), "\(message)")
        let good = try Config.load(
            file: nil,
            environment: [
                "GATEHOUSE_CATALOG_BASE_URL": "http://localhost:7007", "GATEHOUSE_IDENTITY_ISSUER": "https://idp.example.com/realms/x",
                "GATEHOUSE_LOOKER_BASE_URL": "https://looker.example.com:19999",
            ])
        #expect(good[ConfigKeys.Catalog.baseURL] == "http://localhost:7007")
        #expect(try Config.load(file: nil, environment: ["GATEHOUSE_CATALOG_BASE_URL": ""])[ConfigKeys.Catalog.baseURL] == nil, "empty: no sync")
    }

    @Test func theConfigMayComeFromAPipeOrDevFd() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let yaml = Array("rpc:\n  max_connections: 9\n".utf8)
        #expect(write(ends[1], yaml, yaml.count) == yaml.count)
        close(ends[1])
        defer { close(ends[0]) }
        let config = try Config.load(file: "/dev/fd/\(ends[0])", environment: [:])
        #expect(config[ConfigKeys.Foundation.maxConnections] == 9)
        #expect(try Config.load(file: "/dev/null", environment: [:])[ConfigKeys.Foundation.maxConnections] == 256, "empty: nothing configured")
    }

    @Test func aRulesFileAliasBombIsRefusedNamingTheKey() throws {
        let path = try file(Self.aliasBomb)
        #expect {
            _ = try PolicyRulesFile.load(path)
        } throws: { error in
            "\(error)".contains("policy.rules_file \(path)") && "\(error)".contains("100000")
        }
    }

    @Test func unreadableConfigFilesSayWhy() throws {
        let directory = FileManager.default.temporaryDirectory.path
        #expect(loadError(directory)?.contains("is a directory") == true, "\(loadError(directory) ?? "")")
        #expect(loadError("/nonexistent/gatehouse.yaml")?.contains("does not exist") == true)
    }

    @Test func anEmptyDatabaseFileIsRefusedAndAMissingOneIsFine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-empty-\(UUID().uuidString.prefix(8)).db").path
        try BrokerPaths.checkDatabaseFile(path)
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { unlink(path) }
        #expect {
            try BrokerPaths.checkDatabaseFile(path)
        } throws: { error in
            "\(error)".contains("empty file (0 bytes)") && "\(error)".contains("remove it")
        }
        #expect(throws: DatabaseFileError.self) { try BrokerPaths.checkDatabaseFile(FileManager.default.temporaryDirectory.path) }
        // A symlink to a real database is fine; one to the empty file is not.
        let real = path + ".real"
        #expect(FileManager.default.createFile(atPath: real, contents: Data("SQLite format 3\0".utf8)))
        defer {
            unlink(real)
            unlink(path + ".link")
            unlink(path + ".empty-link")
        }
        #expect(symlink(real, path + ".link") == 0 && symlink(path, path + ".empty-link") == 0)
        try BrokerPaths.checkDatabaseFile(path + ".link")
        #expect(throws: DatabaseFileError.self) { try BrokerPaths.checkDatabaseFile(path + ".empty-link") }
    }
}
