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

/// The real `gatehouse` daemon as a child process, on a private temporary socket and database.
final class TestDaemon: @unchecked Sendable {
    let root: String
    let socketPath: String
    let databasePath: String
    let environment: [String: String]
    private(set) var process: ChildProcess?
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
        // scripts/test.sh records every answer, to check it against the rpc.discover schemas, and marks
        // every process of its run, to kill any a crashed test left behind.
        for kept in ["GATEHOUSE_RECORD_ANSWERS_FILE", "GATEHOUSE_TEST_RUN"] {
            if let value = ProcessInfo.processInfo.environment[kept] { environment[kept] = value }
        }
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
    }

    /// Starts `gatehouse serve` and waits until it answers `system.ping`.
    func start(timeout: Duration = .seconds(20)) async throws {
        let process = try ChildProcess(
            BuiltProducts.path("gatehouse"), ["serve"], environment: environment, stdout: .append(logPath), stderr: .append(logPath))
        self.process = process
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestDaemonError.exited(log: self.log) }
            if let client = try? RPCClient(socketPath: socketPath, timeout: .seconds(5)), (try? client.call("system.ping")) == "pong" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestDaemonError.notReady(log: self.log)
    }

    /// A new client connection. A call that waits a minute fails instead of holding the test run
    /// until CI's limit: every daemon call in these tests answers in well under a second.
    func client() throws -> RPCClient { try RPCClient(socketPath: socketPath, timeout: Self.callTimeout) }

    /// How long a test waits for any one answer from the daemon.
    static let callTimeout: Duration = .seconds(60)

    /// Sends `signal` and waits for the process to exit.
    func stop(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        process.send(signal)
        process.waitForExit()
    }

    /// The daemon's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs the `gatehouse` CLI with this daemon's environment.
    func cli(_ arguments: [String]) throws -> CommandResult {
        try Self.run(BuiltProducts.path("gatehouse"), arguments, environment: environment)
    }

    /// Runs any program and waits for it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try ChildProcess.run(executable, arguments, environment: environment)
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
