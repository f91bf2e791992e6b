import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting

/// Where the package's built executables are: beside the test bundle, or `$GATEHOUSE_BIN_DIR`.
enum BuiltProducts {
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["GATEHOUSE_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        // readlink(2) of /proc/self/exe directly: Foundation's resolvingSymlinksInPath has been seen to
        // hand back a path under /proc/self under parallel load.
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: target).deletingLastPathComponent()
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Runs a command to completion and captures its output.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// The real `gatehouse` daemon as a child process, on a private temporary socket and database.
final class TestDaemon: @unchecked Sendable {
    let root: String
    let socketPath: String
    let databasePath: String
    let environment: [String: String]
    private(set) var process: Process?
    private let logPath: String

    /// Prepares directories and environment; call `start()` to launch. `config` is written as the YAML config file.
    init(config: String = "", extraEnvironment: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gh-it-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        socketPath = root + "/run/gatehouse/gatehouse.sock"
        databasePath = root + "/state/gatehouse/gatehouse.db"
        logPath = root + "/daemon.log"
        try config.write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") }
        environment["XDG_RUNTIME_DIR"] = root + "/run"
        environment["XDG_STATE_HOME"] = root + "/state"
        environment["GATEHOUSE_CONFIG"] = root + "/config.yaml"
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
    }

    /// Starts `gatehouse serve` and waits until it answers `system.ping`.
    func start(timeout: Duration = .seconds(20)) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("gatehouse"))
        process.arguments = ["serve"]
        process.environment = environment
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try ProcessSpawner.run(process)
        self.process = process
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestDaemonError.exited(log: self.log) }
            if let client = try? RPCClient(socketPath: socketPath), (try? client.call("system.ping")) == "pong" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestDaemonError.notReady(log: self.log)
    }

    /// A new client connection.
    func client() throws -> RPCClient { try RPCClient(socketPath: socketPath) }

    /// Sends `signal` and waits for the process to exit.
    func stop(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// The daemon's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs the `gatehouse` CLI with this daemon's environment.
    func cli(_ arguments: [String]) throws -> CommandResult {
        try Self.run(BuiltProducts.path("gatehouse"), arguments, environment: environment)
    }

    /// Runs any program and waits for it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try ProcessSpawner.run(process)
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: root)
    }
}

enum TestDaemonError: Error, CustomStringConvertible {
    case exited(log: String)
    case notReady(log: String)

    var description: String {
        switch self {
        case .exited(let log): "the daemon exited during start-up:\n\(log)"
        case .notReady(let log): "the daemon did not answer in time:\n\(log)"
        }
    }
}
