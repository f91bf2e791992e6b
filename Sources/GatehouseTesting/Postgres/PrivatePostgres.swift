import Foundation

/// A throwaway PostgreSQL server for one test or benchmark run: `initdb` into a temporary directory,
/// listening only on a Unix socket in that directory, stopped and removed at the end. As root (the
/// server refuses root) it runs as the `postgres` system user. It fails, never skips, when PostgreSQL
/// is missing: `scripts/setup.sh` installs it, and a fleet test that silently did nothing would prove nothing.
///
/// It lives here, not in the test-only support target, because `gatehouse-bench fleet` starts one too;
/// GatehouseTesting is the library both tests and tools already share, and no product target imports it.
public final class PrivatePostgres: Sendable {
    /// The directory holding the data, the log and the socket.
    public let directory: String
    /// The socket directory (pass it as the host to clients).
    public var socketDirectory: String { directory }
    /// The port number in the socket's name.
    public let port = 5432
    /// The superuser made by `initdb` (trusted on the socket: the directory is private).
    public let user = "gatehouse"
    /// The database to connect to.
    public let database = "postgres"
    /// The full socket path.
    public var socketPath: String { "\(directory)/.s.PGSQL.\(port)" }
    private let binaries: String

    private init(directory: String, binaries: String) {
        self.directory = directory
        self.binaries = binaries
    }

    /// Where the server binaries are: `$GATEHOUSE_PG_BIN`, or the newest `/usr/lib/postgresql/N/bin`.
    public static func binaryDirectory() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["GATEHOUSE_PG_BIN"] { return explicit }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") else {
            throw PrivatePostgresError.notInstalled
        }
        return "\(root)/\(newest)/bin"
    }

    /// Creates and starts a server; returns once it accepts connections. Not `durable`: fsync off, as
    /// a test's data is thrown away (the crash tests kill the collector, not the disk). Durable: the
    /// server's defaults (fsync on), for benchmarks whose numbers should hold on a real server.
    public static func start(durable: Bool = false, settings: [String: String] = [:]) async throws -> PrivatePostgres {
        let binaries = try binaryDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let server = PrivatePostgres(directory: directory, binaries: binaries)
        do {
            if getuid() == 0 { try await server.run("/bin/chown", ["postgres", directory]) }
            try await server.asServerUser("initdb", ["-D", "\(directory)/data", "-A", "trust", "-U", server.user, "-N", "--no-instructions"])
            let extra = settings.sorted { $0.key < $1.key }.map { " -c \($0.key)=\($0.value)" }.joined()
            let options = "-k \(directory) -c listen_addresses= -p \(server.port)" + (durable ? "" : " -F") + extra
            try await server.asServerUser("pg_ctl", ["-D", "\(directory)/data", "-o", options, "-l", "\(directory)/log", "-w", "-t", "60", "start"])
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    /// Stops the server immediately and removes its directory.
    public func stop() async {
        if FileManager.default.fileExists(atPath: "\(directory)/data/postmaster.pid") {
            try? await asServerUser("pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Restarts the server (a fault test: clients see their connections drop).
    public func restart() async throws {
        try await asServerUser("pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "-t", "60", "restart"])
    }

    /// Runs `psql -c sql` on the server (in `database`, by default the one above); its output.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) async throws -> String {
        try await asServerUser(
            "psql", ["-h", directory, "-p", "\(port)", "-U", user, "-d", database ?? self.database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    @discardableResult
    private func asServerUser(_ tool: String, _ arguments: [String]) async throws -> String {
        if getuid() == 0 { return try await run("/usr/sbin/runuser", ["-u", "postgres", "--", "\(binaries)/\(tool)"] + arguments) }
        return try await run("\(binaries)/\(tool)", arguments)
    }

    private func run(_ executable: String, _ arguments: [String]) async throws -> String {
        // Output goes to a file, not a pipe: `pg_ctl start` leaves the server holding whatever it
        // inherited, so a pipe would never reach end-of-file.
        let outputPath = "\(directory)/tool-\(UUID().uuidString.prefix(8)).out"
        return try await runOnOwnThread {
            defer { try? FileManager.default.removeItem(atPath: outputPath) }
            // ChildProcess reaps its own child (Foundation's Process was seen leaving `runuser` unreaped here).
            let process = try ChildProcess(executable, arguments, stdout: .append(outputPath), stderr: .append(outputPath))
            let status = process.waitForExit()
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            guard status == 0 else {
                throw PrivatePostgresError.failed(command: ([executable] + arguments).joined(separator: " "), output: text)
            }
            return text
        }
    }
}

/// PostgreSQL could not be started.
public enum PrivatePostgresError: Error, CustomStringConvertible {
    /// No server binaries.
    case notInstalled
    /// A tool failed.
    case failed(command: String, output: String)

    /// A sentence.
    public var description: String {
        switch self {
        case .notInstalled: "PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb): run scripts/setup.sh, or set GATEHOUSE_PG_BIN"
        case .failed(let command, let output): "\(command) failed: \(output.suffix(2000))"
        }
    }
}

/// Runs blocking work (a child process, a blocking socket) on a thread of its own, so it never holds
/// one of Swift's cooperative threads: on 2 cores the pool has two.
public func runOnOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
