import ArgumentParser
import Foundation
import GRDB
import GatehouseBroker
import GatehouseCore
import GatehouseHTTP
import GatehouseRPC
import GatehouseStore

/// `gatehouse doctor`: checks everything Gatehouse depends on and names the fix for each failure.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the daemon, config, socket, IdP, tokens, clock, catalog, upstreams, disk and audit chain.",
        discussion: """
            Each failed check names the command or setting that fixes it. Exit 0 when nothing failed (warnings \
            allowed), 1 otherwise. Works with the daemon stopped (it is then one of the failures).

            EXAMPLES:
              gatehouse doctor
              gatehouse doctor --json | jq '.checks[] | select(.status == "fail")'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let checks = await DoctorChecks(global: global, database: database).run()
        if global.json {
            Output.json(["ok": .bool(!checks.contains { $0.status == .fail }), "checks": .array(checks.map(\.json))])
        } else {
            let nameWidth = (checks.map(\.name.count).max() ?? 0) + 2
            let hanging = String(repeating: " ", count: nameWidth + 2)
            for check in checks {
                Output.wrapped(
                    check.detail, first: "\(check.status.mark) \(check.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))", rest: hanging
                )
                if let fix = check.fix, check.status != .ok { Output.wrapped(fix, first: hanging + "fix: ", rest: hanging + "     ") }
            }
            let failed = checks.filter { $0.status == .fail }.count
            print(failed == 0 ? "no problems found" : "\(failed) problem\(failed == 1 ? "" : "s") found")
        }
        if checks.contains(where: { $0.status == .fail }) { throw CLIExit(code: .error) }
    }
}

/// One diagnostic: what was checked, how it went and, when it did not, what fixes it.
struct DoctorCheck: Sendable {
    enum Status: String, Sendable {
        case ok, warn, fail, skip

        var mark: String {
            switch self {
            case .ok: Terminal.paint(Terminal.symbol("✓", "ok  "), "32")
            case .warn: Terminal.paint(Terminal.symbol("!", "warn"), "33")
            case .fail: Terminal.paint(Terminal.symbol("✗", "FAIL"), "31")
            case .skip: Terminal.symbol("-", "skip")
            }
        }
    }

    var name: String
    var status: Status
    var detail: String
    var fix: String? = nil

    var json: JSONValue {
        ["name": .string(name), "status": .string(status.rawValue), "detail": .string(detail), "fix": fix.map(JSONValue.string) ?? .null]
    }
}

/// The checks, in the order a person would fix them.
struct DoctorChecks {
    let global: GlobalOptions
    let database: DatabaseOption

    func run() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let file = global.configFile
        let config: Config
        do {
            config = try global.loadConfig(extraFlags: database.flags)
            checks.append(
                DoctorCheck(
                    name: "config", status: .ok,
                    detail: file.map { "\($0) loaded" } ?? "no file (defaults and environment; looked for \(GlobalOptions.defaultConfigPath))"))
        } catch {
            checks.append(
                DoctorCheck(
                    name: "config", status: .fail, detail: "\(error)",
                    fix: "correct the key named above in \(file ?? "the config file") (`gatehouse config keys` lists every key)"))
            return checks
        }
        let fileName = file ?? GlobalOptions.defaultConfigPath
        let socket = BrokerPaths.socket(config)
        let client = try? RPCClient(socketPath: socket, timeout: .seconds(10))
        let status = client.flatMap { try? $0.call("system.status") }
        if let status {
            checks.append(
                DoctorCheck(
                    name: "daemon", status: .ok,
                    detail:
                        "running: version \(Output.cell(status["version"])), pid \(Output.cell(status["pid"])), up \(Output.duration(seconds: status["uptimeSeconds"]?.doubleValue ?? 0))"
                ))
        } else {
            checks.append(
                DoctorCheck(
                    name: "daemon", status: .fail, detail: "not answering on \(socket)",
                    fix: "start it: `gatehouse serve` (or `systemctl --user start gatehouse`)"))
        }
        checks.append(socketPermissions(socket, daemonUp: status != nil))
        let issuer = Self.value(config, "identity.issuer")
        let http =
            (try? config.upstreamHTTPConfiguration(
                base: HTTPClientConfiguration(connectTimeout: .seconds(3), defaultTimeout: .seconds(5), retry: .none)))
            .map { HTTPClient(configuration: $0) }
        defer { http?.shutdown() }
        if let issuer, let http {
            checks += await identityProvider(issuer, http: http, file: fileName)
        } else {
            checks.append(
                DoctorCheck(
                    name: "idp", status: .skip, detail: "identity.issuer is not configured",
                    fix: "set identity.issuer and identity.client_id in \(fileName)"))
        }
        if let client, status != nil {
            checks.append(tokens(client))
            checks.append(catalogFreshness(client, maxAge: Self.value(config, "policy.max_snapshot_age_seconds").flatMap(Double.init) ?? 86_400))
        } else {
            checks.append(DoctorCheck(name: "tokens", status: .skip, detail: "needs the daemon"))
            checks.append(DoctorCheck(name: "catalog", status: .skip, detail: "needs the daemon"))
        }
        if let http {
            for probe in UpstreamProbe.all {
                checks.append(await upstream(probe, config: config, http: http, file: fileName))
            }
        }
        checks.append(diskSpace(BrokerPaths.database(config)))
        checks.append(auditChain(client: status != nil ? client : nil, databasePath: BrokerPaths.database(config)))
        return checks
    }

    /// The socket's directory must be the user's alone: anyone who can reach the socket can ask for tokens' uses.
    private func socketPermissions(_ socket: String, daemonUp: Bool) -> DoctorCheck {
        let directory = (socket as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(directory, &info) == 0 else {
            return DoctorCheck(
                name: "socket", status: daemonUp ? .fail : .skip, detail: "\(directory) does not exist",
                fix: "start the daemon (`gatehouse serve`); it creates the directory 0700")
        }
        if info.st_uid != getuid() {
            return DoctorCheck(
                name: "socket", status: .fail, detail: "\(directory) belongs to uid \(info.st_uid), not you (\(getuid()))",
                fix: "use a socket path of your own (config key socket, or $XDG_RUNTIME_DIR)")
        }
        if info.st_mode & 0o077 != 0 {
            return DoctorCheck(
                name: "socket", status: .fail, detail: "\(directory) is mode \(String(info.st_mode & 0o777, radix: 8)): others can reach the socket",
                fix: "chmod 700 \(directory)")
        }
        return DoctorCheck(name: "socket", status: .ok, detail: "\(socket) (directory 0700, yours)")
    }

    /// OpenID discovery answers, and the IdP's clock (its Date header) agrees with ours.
    private func identityProvider(_ issuer: String, http: HTTPClient, file: String) async -> [DoctorCheck] {
        let url = issuer.hasSuffix("/") ? issuer + ".well-known/openid-configuration" : issuer + "/.well-known/openid-configuration"
        let sent = Date()
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: .GET, url: url, upstream: "idp", timeout: .seconds(5)))
        } catch {
            return [
                DoctorCheck(
                    name: "idp", status: .fail, detail: "\(issuer) unreachable: \(error)",
                    fix: "check identity.issuer in \(file), the network and http.proxy; `gatehouse login` needs it"),
                DoctorCheck(name: "clock", status: .skip, detail: "needs the IdP"),
            ]
        }
        let received = Date()
        var checks: [DoctorCheck] = []
        if response.isSuccess, (try? JSONParser.parse(response.body))?["issuer"] != nil {
            checks.append(DoctorCheck(name: "idp", status: .ok, detail: "\(issuer) discovery answers"))
        } else {
            checks.append(
                DoctorCheck(
                    name: "idp", status: .fail, detail: "\(url) answered HTTP \(response.status), not a discovery document",
                    fix: "check identity.issuer in \(file) (it must be the issuer URL, without /.well-known)"))
        }
        if let header = response.headers["Date"], let theirs = Self.httpDate(header) {
            let ours = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
            let skew = ours.timeIntervalSince(theirs)
            // The Date header has whole seconds; tokens allow about a minute of leeway.
            let status: DoctorCheck.Status = abs(skew) > 60 ? .fail : abs(skew) > 5 ? .warn : .ok
            checks.append(
                DoctorCheck(
                    name: "clock", status: status,
                    detail:
                        "\(abs(skew) < 1 ? "in step with" : "\(Output.duration(seconds: abs(skew))) \(skew > 0 ? "ahead of" : "behind")") the IdP",
                    fix: "synchronise the clock (`timedatectl set-ntp true`); tokens are refused when it is off by more than a minute"))
        } else {
            checks.append(DoctorCheck(name: "clock", status: .skip, detail: "the IdP sent no Date header"))
        }
        return checks
    }

    private func tokens(_ client: RPCClient) -> DoctorCheck {
        guard let status = try? client.call("auth.status") else {
            return DoctorCheck(name: "tokens", status: .fail, detail: "auth.status did not answer", fix: "see the daemon's log")
        }
        if status["configured"] == false { return DoctorCheck(name: "tokens", status: .skip, detail: "identity is not configured") }
        guard status["signedIn"] == true else {
            return DoctorCheck(name: "tokens", status: .warn, detail: "not signed in", fix: "`gatehouse login`")
        }
        if let error = status["lastError"]?.stringValue {
            return DoctorCheck(
                name: "tokens", status: .fail, detail: "the last refresh failed: \(TerminalText.sanitized(error))",
                fix: "`gatehouse login` (a new session)")
        }
        let expiries = (status["tokens"]?.arrayValue ?? []).compactMap { $0["expiresAt"]?.stringValue }.sorted()
        return DoctorCheck(
            name: "tokens", status: .ok,
            detail:
                "signed in; \(expiries.count) cached token\(expiries.count == 1 ? "" : "s")\(expiries.first.map { ", first expiry \($0) (refreshed before)" } ?? "")"
        )
    }

    /// Older than policy.max_snapshot_age_seconds fails (policy then refuses changes); older than three sync intervals warns.
    private func catalogFreshness(_ client: RPCClient, maxAge: Double) -> DoctorCheck {
        guard let status = try? client.call("catalog.status") else {
            return DoctorCheck(name: "catalog", status: .fail, detail: "catalog.status did not answer", fix: "see the daemon's log")
        }
        guard status["configured"] == true else {
            return DoctorCheck(name: "catalog", status: .skip, detail: "catalog.base_url is not configured")
        }
        guard status["snapshotAt"]?.stringValue != nil, let age = status["ageSeconds"]?.doubleValue else {
            let error = status["lastError"]?.stringValue.map { "; last sync failed: \(TerminalText.sanitized($0))" } ?? ""
            return DoctorCheck(
                name: "catalog", status: .fail, detail: "never synced: policy denies everything until it is\(error)", fix: "`gatehouse catalog sync`")
        }
        if age > maxAge {
            return DoctorCheck(
                name: "catalog", status: .fail,
                detail: "snapshot is \(Output.duration(seconds: age)) old, past policy.max_snapshot_age_seconds: policy refuses changes",
                fix: "`gatehouse catalog sync`")
        }
        let interval = status["syncIntervalSeconds"]?.doubleValue ?? 0
        if interval > 0, age > interval * 3 {
            return DoctorCheck(
                name: "catalog", status: .warn,
                detail: "snapshot is \(Output.duration(seconds: age)) old (syncs every \(Output.duration(seconds: interval)))",
                fix: "`gatehouse catalog sync`; the daemon's log says why the periodic sync fails")
        }
        return DoctorCheck(name: "catalog", status: .ok, detail: "snapshot \(Output.duration(seconds: age)) old")
    }

    /// Any HTTP answer means the upstream is reachable (authorisation is the daemon's business).
    private func upstream(_ probe: UpstreamProbe, config: Config, http: HTTPClient, file: String) async -> DoctorCheck {
        guard let url = Self.value(config, probe.key), config.sources[probe.key] != "default" else {
            return DoctorCheck(name: probe.name, status: .skip, detail: "\(probe.key) is not configured")
        }
        let target = (url.hasSuffix("/") ? String(url.dropLast()) : url) + probe.path
        do {
            let response = try await http.send(HTTPRequest(method: .GET, url: target, upstream: probe.name, timeout: .seconds(5)))
            return DoctorCheck(name: probe.name, status: .ok, detail: "\(url) reachable (HTTP \(response.status))")
        } catch {
            return DoctorCheck(
                name: probe.name, status: .fail, detail: "\(url) unreachable: \(error)",
                fix: "check \(probe.key) in \(file), the network and http.proxy")
        }
    }

    private func diskSpace(_ databasePath: String) -> DoctorCheck {
        var directory = (databasePath as NSString).deletingLastPathComponent
        while !FileManager.default.fileExists(atPath: directory), directory != "/" { directory = (directory as NSString).deletingLastPathComponent }
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return DoctorCheck(name: "disk", status: .skip, detail: "cannot stat \(directory)") }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let detail = "\(Output.size(bytes: free)) free in \(directory)"
        let fix = "free space there (the database and audit log grow there; config key database moves them)"
        if free < 100 * 1024 * 1024 { return DoctorCheck(name: "disk", status: .fail, detail: detail, fix: fix) }
        if free < 1024 * 1024 * 1024 { return DoctorCheck(name: "disk", status: .warn, detail: detail, fix: fix) }
        return DoctorCheck(name: "disk", status: .ok, detail: detail)
    }

    private func auditChain(client: RPCClient?, databasePath: String) -> DoctorCheck {
        let report: JSONValue?
        if let client {
            report = try? client.call("audit.verify")
        } else if FileManager.default.fileExists(atPath: databasePath) {
            report = try? Store.openReadOnly(path: databasePath).read(AuditMethods.verify)
        } else {
            return DoctorCheck(name: "audit", status: .skip, detail: "no database yet at \(databasePath)")
        }
        guard let report else {
            return DoctorCheck(name: "audit", status: .fail, detail: "could not verify the chain", fix: "`gatehouse audit verify` says why")
        }
        if report["intact"] == true {
            return DoctorCheck(name: "audit", status: .ok, detail: "chain intact (\(Output.cell(report["checked"])) records)")
        }
        return DoctorCheck(
            name: "audit", status: .fail,
            detail: "chain broken at record \(Output.cell(report["firstBroken"]?["seq"])): \(Output.cell(report["firstBroken"]?["reason"]))",
            fix: "`gatehouse audit verify` names the record; keep the database for investigation (docs/security.md)")
    }

    /// A configured value by key path, nil when empty. Read as displayed (credentials in a URL masked):
    /// the doctor only asks whether an address answers, and never prints a secret.
    static func value(_ config: Config, _ path: String) -> String? {
        config.displayValue(path).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An RFC 7231 `Date` header (IMF-fixdate).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// Which route `doctor` asks of each upstream to see that it answers.
///
/// Each is a route the vendor documents, cheap, and harmless without credentials (an unauthenticated
/// call just answers 401), so the probe never touches a path outside the vendor's API; the root URL
/// is not part of any of these APIs.
struct UpstreamProbe: Sendable {
    let name: String
    let key: String
    let path: String

    static let all = [
        UpstreamProbe(name: "backstage", key: "catalog.base_url", path: "/api/catalog/entities?limit=1&fields=kind"),
        // Looker documents `versions` as needing no sign-in.
        UpstreamProbe(name: "looker", key: "looker.base_url", path: "/api/4.0/versions"),
        // `-` stands for "any project/region"; without credentials Google answers 401 before reading it.
        UpstreamProbe(name: "dataproc", key: "dataproc.base_url", path: "/v1/projects/-/regions/-/clusters?pageSize=1"),
    ]
}
