import Foundation
import GatehouseCore
import Synchronization

/// Where the sandbox finds the published contracts (spec files) and the Backstage example entities.
///
/// Looked up in order: an explicit directory, `$GATEHOUSE_SANDBOX_FIXTURES`, then
/// `shared/contracts` or `../shared/contracts` relative to the working directory, the executable
/// and this package's source tree. The directory may be the contracts folder or its
/// `backstage-examples` subfolder.
public struct SandboxFixtures: Sendable {
    /// The contracts folder (holds the spec files), if found.
    public var contractsDirectory: URL?
    /// The Backstage example entities folder, if found.
    public var backstageExamplesDirectory: URL?

    /// The environment variable naming the fixtures directory.
    public static let environmentVariable = "GATEHOUSE_SANDBOX_FIXTURES"

    /// Locates the fixtures, preferring `explicit` when given.
    public static func locate(explicit: String? = nil) -> SandboxFixtures {
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            candidates.append(URL(fileURLWithPath: fromEnvironment))
        }
        let roots = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent(),
            // Sources/GatehouseTesting/Core/SandboxFixtures.swift → the package root.
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent(),
        ]
        for root in roots {
            var directory = root.standardizedFileURL
            for _ in 0..<6 {
                candidates.append(directory.appendingPathComponent("shared/contracts"))
                candidates.append(directory.appendingPathComponent("../shared/contracts").standardizedFileURL)
                directory.deleteLastPathComponent()
            }
        }
        if explicit != nil, let first = candidates.first { return resolve(first) }
        for candidate in candidates {
            let fixtures = resolve(candidate)
            if fixtures.backstageExamplesDirectory != nil { return fixtures }
        }
        return SandboxFixtures(contractsDirectory: nil, backstageExamplesDirectory: nil)
    }

    private static func resolve(_ directory: URL) -> SandboxFixtures {
        let examples = directory.appendingPathComponent("backstage-examples")
        if isDirectory(examples) { return SandboxFixtures(contractsDirectory: directory, backstageExamplesDirectory: examples) }
        if isDirectory(directory), directory.lastPathComponent == "backstage-examples" {
            return SandboxFixtures(contractsDirectory: directory.deletingLastPathComponent(), backstageExamplesDirectory: directory)
        }
        if isDirectory(directory) { return SandboxFixtures(contractsDirectory: directory, backstageExamplesDirectory: directory) }
        return SandboxFixtures(contractsDirectory: nil, backstageExamplesDirectory: nil)
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Every entity in the example folder's `*.yaml`/`*.yml` files (recursively, sorted by path).
    public func backstageExampleEntities() throws -> [JSONValue] {
        guard let directory = backstageExamplesDirectory else { return [] }
        let files = (FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { ["yaml", "yml"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        var entities: [JSONValue] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            entities += try YAMLDocuments.load(text).filter { $0["kind"] != nil && $0["apiVersion"] != nil }
        }
        return entities
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
