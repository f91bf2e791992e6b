import Foundation

/// The systemd user unit that runs `gatehouse serve`: one text for `gatehouse service install` and for
/// the Debian package (scripts/package.sh writes it with `gatehouse service unit --executable /usr/bin/gatehouse`).
struct SystemdUserUnit {
    /// The absolute path of the gatehouse binary to run.
    let executable: String
    /// `--config` to pass to `serve`, if any (absolute).
    let configFile: String?
    /// A file with the 32-byte sealing key, handed over as a systemd credential (`LoadCredential=`).
    let keyCredential: String?

    /// The unit's name under ~/.config/systemd/user (or /usr/lib/systemd/user).
    static let name = "gatehouse.service"
    /// The socket unit's name: systemd listens, and starts the service at the first connection.
    static let socketName = "gatehouse.socket"

    /// The socket unit for socket activation on `socketPath` (the daemon takes it over as fd 3 and
    /// leaves it in place when it stops, so the next call starts it again).
    static func socketText(socketPath: String) -> String {
        """
        # Socket activation for gatehouse.service (`gatehouse service install --socket-activation` writes it):
        # systemd listens on the daemon's socket and starts the daemon at the first connection.
        [Unit]
        Description=Gatehouse access broker socket

        [Socket]
        ListenStream=\(socketPath.replacingOccurrences(of: "%", with: "%%"))
        SocketMode=0600
        DirectoryMode=0700
        RemoveOnStop=yes

        [Install]
        WantedBy=sockets.target

        """
    }

    /// The unit file's text.
    var text: String {
        var serve = "\(Self.quoted(executable)) serve"
        if let configFile { serve += " --config \(Self.quoted(configFile))" }
        var lines = [
            "# Gatehouse, the per-user access broker, as a systemd user service (`gatehouse service install` writes it).",
            "# systemctl --user enable --now gatehouse.service; journalctl --user -u gatehouse for its log.",
            "[Unit]",
            "Description=Gatehouse access broker (per-user daemon)",
            "Documentation=man:gatehouse(1)",
            "",
            "[Service]",
            "Type=exec",
            "ExecStart=\(serve)",
            "# SIGTERM: stop accepting, finish the calls in flight, flush the audit log, remove the socket.",
            "KillSignal=SIGTERM",
            "TimeoutStopSec=30",
            "Restart=on-failure",
            "RestartSec=2",
            "UMask=0077",
            "NoNewPrivileges=yes",
        ]
        if let keyCredential {
            // systemd copies the key into a private, non-swappable directory only this service sees (%d).
            lines += [
                "LoadCredential=gatehouse-key:\(keyCredential.replacingOccurrences(of: "%", with: "%%"))",
                "Environment=GATEHOUSE_IDENTITY_KEY_FILE=%d/gatehouse-key",
            ]
        }
        lines += ["", "[Install]", "WantedBy=default.target", ""]
        return lines.joined(separator: "\n")
    }

    /// A word systemd's ExecStart= reads back unchanged (it splits on spaces, honours double quotes, expands %).
    static func quoted(_ raw: String) -> String {
        let word = raw.replacingOccurrences(of: "%", with: "%%")
        return word.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" })
            ? "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            : word
    }
}
