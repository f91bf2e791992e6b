import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore

/// `gatehouse service install|uninstall|status|unit`: the daemon as a systemd user service (Linux only;
/// macOS launchd is not supported, as the daemon itself is Linux-only).
struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Run the daemon as a systemd user service (gatehouse.service); launchd (macOS) is not supported.",
        subcommands: [Install.self, Uninstall.self, Status.self, Unit.self])

    /// Where user units live: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user.
    static var unitDirectory: String {
        let base = ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.config"
        return base + "/systemd/user"
    }

    static var unitPath: String { unitDirectory + "/" + SystemdUserUnit.name }
    static var socketUnitPath: String { unitDirectory + "/" + SystemdUserUnit.socketName }

    /// Runs `systemctl --user ARGS`; nil when systemctl is missing or no user manager runs.
    @discardableResult
    static func systemctl(_ arguments: [String]) -> (status: Int32, output: String)? {
        guard let path = ["/usr/bin/systemctl", "/bin/systemctl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--user"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The absolute path of a file argument.
    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    struct UnitOptions: ParsableArguments {
        @Option(help: "The gatehouse binary the unit runs. Default: this one.")
        var executable: String?
        @Option(help: "Config file for `serve` (made absolute). Default: none (the usual lookup).")
        var config: String?
        @Option(help: "A file with the 32-byte sealing key, handed to the daemon as a systemd credential (LoadCredential).")
        var keyCredential: String?

        /// The daemon's socket path under this configuration (the socket unit listens there).
        func socketPath() throws -> String {
            do {
                return BrokerPaths.socket(try Config.load(file: config.map(ServiceCommand.absolute)))
            } catch {
                throw CLIFailure(error.description, code: .usage)
            }
        }

        var unit: SystemdUserUnit {
            SystemdUserUnit(
                executable: ServiceCommand.absolute(executable ?? Token.GoogleConfig.executablePath()),
                configFile: config.map(ServiceCommand.absolute), keyCredential: keyCredential.map(ServiceCommand.absolute))
        }
    }

    struct Unit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the unit file `install` would write (with --socket-activation, the socket unit).")
        @OptionGroup var options: UnitOptions
        @Flag(help: "Print gatehouse.socket instead.") var socketActivation = false
        func run() throws {
            print(socketActivation ? SystemdUserUnit.socketText(socketPath: try options.socketPath()) : options.unit.text, terminator: "")
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write ~/.config/systemd/user/gatehouse.service, then enable and start it (systemctl --user enable --now).")
        @OptionGroup var options: UnitOptions
        @Flag(help: "Only write the units; do not call systemctl.") var noStart = false
        @Flag(help: "Also write gatehouse.socket: systemd listens and starts the daemon at the first call.") var socketActivation = false

        func run() throws {
            var files = [(ServiceCommand.unitPath, options.unit.text)]
            if socketActivation { files.append((ServiceCommand.socketUnitPath, SystemdUserUnit.socketText(socketPath: try options.socketPath()))) }
            for (path, text) in files {
                do {
                    try FileManager.default.createDirectory(atPath: ServiceCommand.unitDirectory, withIntermediateDirectories: true)
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIFailure("cannot write \(path): \(error.localizedDescription)")
                }
                print("wrote \(path)")
            }
            if noStart { return }
            guard let reload = ServiceCommand.systemctl(["daemon-reload"]), reload.status == 0 else {
                throw CLIFailure(
                    "the unit is written, but no systemd user manager answered; start it with: systemctl --user daemon-reload && systemctl --user enable --now gatehouse.service"
                )
            }
            let unit = socketActivation ? SystemdUserUnit.socketName : SystemdUserUnit.name
            guard let enable = ServiceCommand.systemctl(["enable", "--now", unit]), enable.status == 0 else {
                throw CLIFailure("systemctl --user enable --now \(unit) failed; see journalctl --user -u gatehouse")
            }
            print("enabled and started \(unit) (journalctl --user -u gatehouse for its log)")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop and disable gatehouse.service and remove its unit file.")
        func run() throws {
            ServiceCommand.systemctl(["disable", "--now", SystemdUserUnit.socketName, SystemdUserUnit.name])
            for path in [ServiceCommand.socketUnitPath, ServiceCommand.unitPath] where FileManager.default.fileExists(atPath: path) {
                do { try FileManager.default.removeItem(atPath: path) } catch {
                    throw CLIFailure("cannot remove \(path): \(error.localizedDescription)")
                }
                print("removed \(path)")
            }
            ServiceCommand.systemctl(["daemon-reload"])
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Whether the unit is installed, enabled and active.")
        @Flag(name: .long, help: "Machine-readable JSON output.") var json = false
        func run() throws {
            let installed = FileManager.default.fileExists(atPath: ServiceCommand.unitPath)
            let socketUnit = FileManager.default.fileExists(atPath: ServiceCommand.socketUnitPath)
            let enabled = ServiceCommand.systemctl(["is-enabled", SystemdUserUnit.name])?.output ?? "unknown (no systemd user manager)"
            let active = ServiceCommand.systemctl(["is-active", SystemdUserUnit.name])?.output ?? "unknown (no systemd user manager)"
            let status: JSONValue = [
                "unit": .string(ServiceCommand.unitPath), "installed": .bool(installed), "socketActivation": .bool(socketUnit),
                "enabled": .string(enabled.isEmpty ? "unknown" : enabled), "active": .string(active.isEmpty ? "unknown" : active),
            ]
            if json { return Output.json(status) }
            print("unit:      \(ServiceCommand.unitPath) (\(installed ? "installed" : "not installed"))")
            print("enabled:   \(status["enabled"]?.stringValue ?? "")")
            print("active:    \(status["active"]?.stringValue ?? "")")
            if socketUnit { print("socket:    \(ServiceCommand.socketUnitPath) (socket activation)") }
        }
    }
}
