import ArgumentParser
import Foundation
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

        var unit: SystemdUserUnit {
            SystemdUserUnit(
                executable: ServiceCommand.absolute(executable ?? Token.GoogleConfig.executablePath()),
                configFile: config.map(ServiceCommand.absolute), keyCredential: keyCredential.map(ServiceCommand.absolute))
        }
    }

    struct Unit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the unit file `install` would write.")
        @OptionGroup var options: UnitOptions
        func run() throws { print(options.unit.text, terminator: "") }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write ~/.config/systemd/user/gatehouse.service, then enable and start it (systemctl --user enable --now).")
        @OptionGroup var options: UnitOptions
        @Flag(help: "Only write the unit; do not call systemctl.") var noStart = false

        func run() throws {
            do {
                try FileManager.default.createDirectory(atPath: ServiceCommand.unitDirectory, withIntermediateDirectories: true)
                try options.unit.text.write(toFile: ServiceCommand.unitPath, atomically: true, encoding: .utf8)
            } catch {
                throw CLIFailure("cannot write \(ServiceCommand.unitPath): \(error.localizedDescription)")
            }
            print("wrote \(ServiceCommand.unitPath)")
            if noStart { return }
            guard let reload = ServiceCommand.systemctl(["daemon-reload"]), reload.status == 0 else {
                throw CLIFailure(
                    "the unit is written, but no systemd user manager answered; start it with: systemctl --user daemon-reload && systemctl --user enable --now gatehouse.service")
            }
            guard let enable = ServiceCommand.systemctl(["enable", "--now", SystemdUserUnit.name]), enable.status == 0 else {
                throw CLIFailure("systemctl --user enable --now gatehouse.service failed; see journalctl --user -u gatehouse")
            }
            print("enabled and started gatehouse.service (journalctl --user -u gatehouse for its log)")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop and disable gatehouse.service and remove its unit file.")
        func run() throws {
            ServiceCommand.systemctl(["disable", "--now", SystemdUserUnit.name])
            if FileManager.default.fileExists(atPath: ServiceCommand.unitPath) {
                do { try FileManager.default.removeItem(atPath: ServiceCommand.unitPath) } catch {
                    throw CLIFailure("cannot remove \(ServiceCommand.unitPath): \(error.localizedDescription)")
                }
                print("removed \(ServiceCommand.unitPath)")
            } else {
                print("no unit at \(ServiceCommand.unitPath)")
            }
            ServiceCommand.systemctl(["daemon-reload"])
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Whether the unit is installed, enabled and active.")
        @Flag(name: .long, help: "Machine-readable JSON output.") var json = false
        func run() throws {
            let installed = FileManager.default.fileExists(atPath: ServiceCommand.unitPath)
            let enabled = ServiceCommand.systemctl(["is-enabled", SystemdUserUnit.name])?.output ?? "unknown (no systemd user manager)"
            let active = ServiceCommand.systemctl(["is-active", SystemdUserUnit.name])?.output ?? "unknown (no systemd user manager)"
            let status: JSONValue = [
                "unit": .string(ServiceCommand.unitPath), "installed": .bool(installed),
                "enabled": .string(enabled.isEmpty ? "unknown" : enabled), "active": .string(active.isEmpty ? "unknown" : active),
            ]
            if json { return Output.json(status) }
            print("unit:      \(ServiceCommand.unitPath) (\(installed ? "installed" : "not installed"))")
            print("enabled:   \(status["enabled"]?.stringValue ?? "")")
            print("active:    \(status["active"]?.stringValue ?? "")")
        }
    }
}
