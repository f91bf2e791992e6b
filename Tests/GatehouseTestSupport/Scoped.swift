import Foundation
import GatehouseTesting

/// Something a test starts and must stop before it ends (a sandbox, a server, a harness).
public protocol StoppableResource: Sendable {
    /// Stops it; returns once it has stopped.
    func stop() async
}

extension Sandbox: StoppableResource {}

/// Runs `body` with `resource` and stops it afterwards, whether `body` returned or threw, before
/// returning: nothing a test started outlives it (a `defer { Task { ... } }` would stop it later).
@discardableResult
public func using<Resource: StoppableResource, T>(
    _ resource: Resource, _ body: (Resource) async throws -> T
) async throws -> T {
    do {
        let result = try await body(resource)
        await resource.stop()
        return result
    } catch {
        await resource.stop()
        throw error
    }
}

/// A fresh sandbox on ephemeral ports (after `configure`), stopped when `body` ends.
@discardableResult
public func withSandbox<T>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (Sandbox) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configure(&configuration)
    return try await using(try await Sandbox.start(configuration), body)
}

/// A new private (0700) directory, removed with everything in it when `body` ends.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try await body(directory.url)
}

/// A new private (0700) directory under the system's temporary folder, with a random name.
public struct TemporaryDirectory: Sendable {
    /// Where it is.
    public let url: URL

    /// Creates it.
    public init(prefix: String = "gatehouse-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A path inside it.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Removes it and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
