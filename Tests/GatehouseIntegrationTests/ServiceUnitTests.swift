import GatehouseTestSupport
import Foundation
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

            let install = try await run(["service", "install", "--no-start", "--config", root + "/config.yaml", "--key-credential", root + "/key"])
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

            if let analyzer = Self.analyzer {
                let verified = try await offPool {
                    try ChildProcess.run(analyzer, ["verify", "--user", unitPath], environment: ["XDG_RUNTIME_DIR": runtime, "PATH": "/usr/bin:/bin"])
                }
                // systemd-analyze also runs `man` for Documentation=; only the unit's own problems count.
                let problems = (verified.stdout + verified.stderr).split(separator: "\n").filter { !$0.contains("man gatehouse(1)") && !$0.contains("Command 'man ") }
                #expect(problems.isEmpty, "systemd-analyze verify: \(problems)")
            }

            let status = try await run(["service", "status", "--json"])
            #expect(status.stdout.contains("\"installed\" : true"), "\(status.stdout)")
            let uninstall = try await run(["service", "uninstall"])
            #expect(uninstall.status == 0)
            #expect(!FileManager.default.fileExists(atPath: unitPath))
        }
    }
}
