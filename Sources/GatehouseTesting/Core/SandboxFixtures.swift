import Foundation
import GatehouseCore
import Synchronization

/// The published API specs (OpenAPI and discovery documents) the sandbox checks requests against.
///
/// Only ever given explicitly: `--fixtures DIR`, `SandboxConfiguration.fixturesDirectory` or
/// `$GATEHOUSE_SANDBOX_FIXTURES`. Without a directory the sandbox serves the same world (its data
/// is its own, see `DemoWorld`) and skips the strict request checks that need the specs.
public struct SandboxFixtures: Sendable {
    /// The folder that holds the spec files, when one was given.
    public var contractsDirectory: URL?

    /// The environment variable naming the specs directory.
    public static let environmentVariable = "GATEHOUSE_SANDBOX_FIXTURES"

    /// No specs: the sandbox runs without strict request checks.
    public static let none = SandboxFixtures(contractsDirectory: nil)

    /// The directory given as `explicit`, else the one `$GATEHOUSE_SANDBOX_FIXTURES` names, else none.
    ///
    /// A directory that is named but absent is an error, never a quiet fallback to no checks.
    public static func locate(explicit: String? = nil) throws(SandboxFixturesError) -> SandboxFixtures {
        let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = explicit ?? fromEnvironment else { return .none }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(path)
        }
        return SandboxFixtures(contractsDirectory: URL(fileURLWithPath: path))
    }

    /// The specs directory a test that checks against the published specs needs; an error that says how to pass it.
    public static func required() throws(SandboxFixturesError) -> SandboxFixtures {
        let fixtures = try locate()
        guard fixtures.contractsDirectory != nil else { throw .notGiven }
        return fixtures
    }

    /// A spec file of the contracts folder parsed as JSON (or YAML), nil when absent.
    ///
    /// Parsed once per process: the Looker spec is megabytes, and tests start many sandboxes.
    public func spec(named name: String) -> JSONValue? {
        guard let url = contractsDirectory?.appendingPathComponent(name) else { return nil }
        if let cached = Self.parsedSpecs.withLock({ $0[url.path] }) { return cached }
        guard let data = try? Data(contentsOf: url) else { return nil }
        let parsed: JSONValue? =
            name.hasSuffix(".json")
            ? try? JSONDecoder().decode(JSONValue.self, from: data)
            : (try? YAMLDocuments.load(String(decoding: data, as: UTF8.self)))?.first
        Self.parsedSpecs.withLock { $0[url.path] = parsed }
        return parsed
    }

    private static let parsedSpecs = Mutex<[String: JSONValue?]>([:])
}

/// Why the specs directory could not be used.
public enum SandboxFixturesError: Error, CustomStringConvertible, Equatable {
    /// A directory was named but does not exist.
    case missingDirectory(String)
    /// A check against the published specs ran without a specs directory.
    case notGiven

    public var description: String {
        switch self {
        case .missingDirectory(let path):
            "the specs directory \(path) does not exist (given by --fixtures or $\(SandboxFixtures.environmentVariable))"
        case .notGiven:
            "this check needs the published API specs: set $\(SandboxFixtures.environmentVariable) to their directory "
                + "(scripts/test.sh passes it)"
        }
    }
}
