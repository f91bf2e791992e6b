import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// `gatehouse service`: the systemd user unit it writes, checked by systemd's own verifier.
@Suite("systemd user service", .serialized, .timeLimit(.minutes(2)))  // a hang fails, named, instead of stalling CI
struct ServiceUnitTests {
    static let analyzer = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func installWritesAUnitSystemdAcceptsAndUninstallRemovesIt() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.path
            let runtime = root + "/run"
            try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Data(repeating: 7, count: 32).write(to: directory.appendingPathComponent("key"))
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") }
            environment["XDG_CONFIG_HOME"] = root + "/config"
            environment["XDG_RUNTIME_DIR"] = runtime
            let gatehouse = BuiltProducts.path("gatehouse")
            let childEnvironment = environment
            func run(_ arguments: [String]) async throws -> CommandResult {
                try await offPool { try TestDaemon.run(gatehouse, arguments, environment: childEnvironment) }
            }

            try "".write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
            let install = try await run([
                "service", "install", "--no-start", "--socket-activation", "--config", root + "/config.yaml", "--key-credential", root + "/key",
            ])
            #expect(install.status == 0, "\(install.stderr)")
            let unitPath = root + "/config/systemd/user/gatehouse.service"
            let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
            #expect(unit.contains("ExecStart=\(gatehouse) serve --config \(root)/config.yaml\n"))
            #expect(unit.contains("LoadCredential=gatehouse-key:\(root)/key\n"))
            #expect(unit.contains("Environment=GATEHOUSE_IDENTITY_KEY_FILE=%d/gatehouse-key\n"))
            #expect(unit.contains("WantedBy=default.target"))
            // `service unit` prints what install wrote (the package ships the same text for /usr/bin).
            let printed = try await run(["service", "unit", "--config", root + "/config.yaml", "--key-credential", root + "/key"])
            #expect(printed.stdout == unit)

            let socketUnit = try String(contentsOfFile: root + "/config/systemd/user/gatehouse.socket", encoding: .utf8)
            #expect(socketUnit.contains("ListenStream=\(runtime)/gatehouse/gatehouse.sock\n"), "the daemon's own socket path")
            #expect(socketUnit.contains("SocketMode=0600\n") && socketUnit.contains("DirectoryMode=0700\n"))

            if let analyzer = Self.analyzer {
                let verified = try await offPool {
                    try ChildProcess.run(
                        analyzer, ["verify", "--user", unitPath, root + "/config/systemd/user/gatehouse.socket"],
                        environment: ["XDG_RUNTIME_DIR": runtime, "PATH": "/usr/bin:/bin"])
                }
                // systemd-analyze also runs `man` for Documentation=; only the unit's own problems count.
                let problems = (verified.stdout + verified.stderr).split(separator: "\n").filter {
                    !$0.contains("man gatehouse(1)") && !$0.contains("Command 'man ")
                }
                #expect(problems.isEmpty, "systemd-analyze verify: \(problems)")
            }

            let status = try await run(["service", "status", "--json"])
            #expect(status.stdout.contains("\"installed\" : true"), "\(status.stdout)")
            let uninstall = try await run(["service", "uninstall"])
            #expect(uninstall.status == 0)
            #expect(!FileManager.default.fileExists(atPath: unitPath))
            #expect(!FileManager.default.fileExists(atPath: root + "/config/systemd/user/gatehouse.socket"))
        }
    }

    /// systemd-socket-activate does what systemd does with gatehouse.socket: listens, and starts the
    /// daemon with the socket as fd 3 (LISTEN_FDS) at the first connection.
    @Test func aSocketActivatedDaemonStartsAtTheFirstCallAndLeavesTheSocketInPlace() async throws {
        let activator = try #require(
            ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "systemd-socket-activate (package systemd; scripts/setup.sh installs it)")
        try await withTemporaryDirectory { directory in
            let root = directory.path
            let socket = root + "/run/gatehouse/gatehouse.sock"
            let database = root + "/state/gatehouse/gatehouse.db"
            try FileManager.default.createDirectory(
                atPath: root + "/run/gatehouse", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") }
            environment["XDG_RUNTIME_DIR"] = root + "/run"
            environment["XDG_STATE_HOME"] = root + "/state"
            let log = root + "/daemon.log"
            let activated = try ChildProcess(
                // It hands the daemon only the variables named with -E, as systemd hands a unit only its own.
                activator,
                ["-l", socket, "-E", "XDG_RUNTIME_DIR", "-E", "XDG_STATE_HOME", "-E", "HOME=\(root)", BuiltProducts.path("gatehouse"), "serve"],
                environment: environment, stdout: .append(log), stderr: .append(log))
            defer {
                activated.send(SIGKILL)
                _ = activated.waitForExit()
            }
            #expect(try await eventually { FileManager.default.fileExists(atPath: socket) }, "systemd-socket-activate listens")
            #expect(!FileManager.default.fileExists(atPath: root + "/state"), "nothing runs before the first call")

            let status = try await offPool { try RPCClient(socketPath: socket, timeout: .seconds(30)).call("system.status") }
            // systemd-socket-activate execs the daemon in its own process, as systemd starts it for the unit.
            #expect(status["pid"]?.intValue == Int64(activated.pid), "the first call started the daemon: \(status)")
            #expect(status["database"]?["path"]?.stringValue == database)
            let logText = try String(contentsOfFile: log, encoding: .utf8)
            #expect(logText.contains("inherited from systemd"), "\(logText)")

            activated.send(SIGTERM)
            let exit = try await offPool { activated.waitForExit() }
            #expect(exit == 0)
            #expect(FileManager.default.fileExists(atPath: socket), "the socket is systemd's: the daemon leaves it for the next activation")
        }
    }
}
