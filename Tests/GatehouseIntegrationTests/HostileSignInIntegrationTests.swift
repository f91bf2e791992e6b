import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Issue 25 end to end: the real daemon signs in at the sandbox provider switched to lie. Every
/// lie is refused with a message naming it, the audit trail records the refusal, the daemon
/// keeps running, and nothing the IdP sends puts an escape sequence on the person's terminal.
@Suite("Sign-in against a hostile provider, end to end", .serialized, .timeLimit(.minutes(5)))
struct HostileSignInIntegrationTests {
    /// A device sign-in against `hostility`, approved as alice; the error it failed with.
    func refusedSignIn(_ daemon: TestDaemon, _ sandbox: Sandbox, _ hostility: OIDCHostility) async throws -> String {
        sandbox.oidc.behave(hostility)
        let challenge = try await daemon.call("auth.login.start", ["method": "device"])
        try sandbox.oidc.approveDevice(userCode: try #require(challenge["userCode"]?.stringValue), subject: "alice")
        let id = try #require(challenge["id"]?.stringValue)
        for _ in 0..<300 {
            let status = try await daemon.call("auth.login.status", ["id": .string(id)])
            if status["state"] == "failed" { return status["error"]?.stringValue ?? "" }
            try #require(status["state"] == "pending", "signed in despite \(hostility): \(status)")
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the sign-in neither failed nor finished")
        return ""
    }

    /// The newest audit record of `method`.
    func lastAudit(_ daemon: TestDaemon, _ method: String) async throws -> JSONValue {
        let page = try await daemon.call("audit.query", ["method": .string(method), "order": "desc", "limit": 1])
        return try #require(page["records"]?.arrayValue?.first)
    }

    @Test func everyLieIsRefusedByNameAuditedAndTheDaemonLivesOn() async throws {
        let sandbox = try await Sandbox.start()
        let daemon = try TestDaemon(config: sandboxIdentityAndCatalogYAML(sandbox))
        try await daemon.start()

        let lies: [(String, OIDCHostility, String)] = [
            (
                "expires_in 1e300",
                {
                    var h = OIDCHostility()
                    h.tokenResponse = ["expires_in": .double(1e300)]
                    return h
                }(), "expires_in = 1e+300"
            ),
            (
                "exp 1e19",
                {
                    var h = OIDCHostility()
                    h.idTokenClaims = ["exp": .double(1e19)]
                    return h
                }(), "exp is 1e+19"
            ),
            (
                "another client's token",
                {
                    var h = OIDCHostility()
                    h.idTokenClaims = ["aud": ["gatehouse", "other-client"], "azp": "other-client"]
                    return h
                }(), "azp is other-client"
            ),
            (
                "empty sub",
                {
                    var h = OIDCHostility()
                    h.idTokenClaims = ["sub": ""]
                    return h
                }(), "sub claim is empty"
            ),
            (
                "DPoP token",
                {
                    var h = OIDCHostility()
                    h.tokenResponse = ["token_type": "DPoP"]
                    return h
                }(), "token_type must be Bearer"
            ),
        ]
        for (name, hostility, expected) in lies {
            let error = try await refusedSignIn(daemon, sandbox, hostility)
            #expect(error.contains(expected), "\(name): \(error)")
            let record = try await lastAudit(daemon, "auth.login.status")
            #expect(record["detail"]?["loginError"]?.stringValue?.contains(expected) == true, "\(name): \(record)")
        }

        var interval = OIDCHostility()
        interval.deviceAuthorization = ["interval": .double(1e30)]
        sandbox.oidc.behave(interval)
        let refused = try #require(try await daemon.failure("auth.login.start", ["method": "device"]))
        #expect(refused.reason == "upstream_value_out_of_range" && refused.message.contains("interval = 1e+30"))
        let record = try await lastAudit(daemon, "auth.login.start")
        #expect(record["outcome"] == "error" && record["errorReason"] == "upstream_value_out_of_range")
        #expect(record["detail"]?["identityError"]?.stringValue?.contains("interval") == true)

        #expect(try await daemon.call("system.ping") == "pong")
        #expect(daemon.process?.isRunning == true)

        // An honest sign-in still works; then a stored expiry no real token has (what 1e300 once
        // became) is dropped at the next read instead of stopping the daemon on every start.
        sandbox.oidc.behaveHonestly()
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        daemon.stop()
        let poisoned = try TestDaemon.run("/usr/bin/sqlite3", [daemon.databasePath, "UPDATE identity_tokens SET expires_at = 1e19;"])
        #expect(poisoned.status == 0, "\(poisoned.stderr)")
        try await daemon.start()
        let token = try await daemon.call("token.get", ["audience": "idp"])
        let expiresAt = try #require(token["expiresAtUnix"]?.intValue)
        #expect(expiresAt < Int64(Date().timeIntervalSince1970) + 86_401)
        #expect(try await daemon.call("system.ping") == "pong")
        daemon.stop()
        await sandbox.stop()
    }

    @Test func noEscapeSequenceFromTheIdPReachesTheTerminal() async throws {
        let sandbox = try await Sandbox.start()
        let daemon = try TestDaemon(config: sandboxIdentityAndCatalogYAML(sandbox))
        try await daemon.start()
        let osc8 = "\u{1B}]8;;https://evil.example\u{07}"

        // Device flow: a user code wrapped in a hyperlink and a screen clear, a page on another host.
        var hostility = OIDCHostility()
        hostility.deviceAuthorization = [
            "user_code": .string("\u{1B}[2J" + osc8 + "WDJB-MJHT\u{1B}]8;;\u{07}"), "verification_uri": "https://login.evil.example/device",
            "verification_uri_complete": .null, "expires_in": 6,
        ]
        sandbox.oidc.behave(hostility)
        let device = try await offPool { try daemon.cli(["login", "--device"]) }
        let deviceOutput = device.stdout + device.stderr
        #expect(device.status != 0 && deviceOutput.contains("WDJB-MJHT") && deviceOutput.contains("login.evil.example"), "\(deviceOutput)")
        #expect(deviceOutput.contains("warning"), "\(deviceOutput)")
        #expect(!deviceOutput.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })

        // Loopback: an error description full of escape sequences, with the right state.
        sandbox.oidc.behaveHonestly()
        let outputPath = daemon.environment["XDG_RUNTIME_DIR"]! + "/login.out"
        let login = try ChildProcess(
            BuiltProducts.path("gatehouse"), ["login", "--no-browser"], environment: daemon.environment,
            stdout: .append(outputPath), stderr: .append(outputPath))
        var url: URLComponents?
        for _ in 0..<200 where url == nil {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            url = text.split(separator: "\n").first { $0.hasPrefix("http") }.flatMap { URLComponents(string: String($0)) }
            if url == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let query = Dictionary((try #require(url).queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let redirect = try #require(query["redirect_uri"])
        var callback = try #require(URLComponents(string: redirect))
        callback.queryItems = [
            URLQueryItem(name: "error", value: "access_denied"),
            URLQueryItem(name: "error_description", value: osc8 + "click here\u{1B}]8;;\u{07}\u{1B}[8m hidden"),
            URLQueryItem(name: "state", value: query["state"]),
        ]
        let callbackURL = try #require(callback.string)
        let answer = try await offPool { try TestDaemon.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", callbackURL]) }
        #expect(answer.stdout == "200")
        let status = try await offPool { login.waitForExit() }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        #expect(status != 0 && output.contains("access_denied") && output.contains("click here"), "\(output)")
        #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        daemon.stop()
        await sandbox.stop()
    }
}

extension HostileSignInIntegrationTests {
    /// Item 2 end to end: a plain-http issuer on a real host is refused before any request, by
    /// name and on the audit record; `identity.allow_insecure_http` is said out loud at start.
    @Test func aPlainHTTPIssuerIsRefusedAndTheTestOverrideIsLoud() async throws {
        let daemon = try TestDaemon(
            config: """
                identity:
                  issuer: http://idp.corp.example
                  client_id: gatehouse
                """)
        try await daemon.start()
        let refused = try #require(try await daemon.failure("auth.login.start", ["method": "loopback"]))
        #expect(refused.reason == "insecure_endpoint" && refused.message.contains("http://idp.corp.example"), "\(refused)")
        let record = try await lastAudit(daemon, "auth.login.start")
        #expect(record["errorReason"] == "insecure_endpoint")
        #expect(!daemon.log.contains("allow_insecure_http is on"))
        daemon.stop()

        let lax = try TestDaemon(
            config: """
                identity:
                  issuer: http://idp.corp.example
                  allow_insecure_http: true
                """)
        try await lax.start()
        #expect(lax.log.contains("identity.allow_insecure_http is on"))
        lax.stop()
    }
}

extension HostileSignInIntegrationTests {
    /// Item 5 end to end: `nobody` sends a code to the daemon's loopback listener first; it gets
    /// 403, the sign-in goes on, and the ignored callback is on the audit record.
    @Test func anotherUsersCallbackIsRefusedAndAudited() async throws {
        try #require(getuid() == 0, "this test drops a helper to nobody, which needs root")
        let sandbox = try await Sandbox.start()
        let daemon = try TestDaemon(config: sandboxIdentityAndCatalogYAML(sandbox))
        try await daemon.start()
        let challenge = try await daemon.call("auth.login.start", ["method": "loopback"])
        let id = try #require(challenge["id"]?.stringValue)
        let text = try #require(challenge["url"]?.stringValue)
        let url = try #require(URLComponents(string: text))
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let redirect = try #require(query["redirect_uri"])
        let state = try #require(query["state"])
        let forged = "\(redirect)?code=mallory-code&state=\(state)"
        let attacker = try await offPool {
            try TestDaemon.run(
                "/usr/bin/setpriv",
                ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", forged])
        }
        #expect(attacker.stdout == "403", "\(attacker.stdout) \(attacker.stderr)")
        // The person then cancels at the IdP (the redirect carries the right state): the sign-in ends.
        let cancel = "\(redirect)?error=access_denied&state=\(state)"
        _ = try await offPool { try TestDaemon.run("/usr/bin/curl", ["-s", "-o", "/dev/null", cancel]) }
        var status: JSONValue = .null
        for _ in 0..<100 {
            status = try await daemon.call("auth.login.status", ["id": .string(id)])
            if status["state"] != "pending" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status["state"] == "failed" && status["ignoredCallbacks"] == 1, "\(status)")
        let record = try await lastAudit(daemon, "auth.login.status")
        #expect(record["detail"]?["ignoredCallbacks"] == 1, "\(record)")
        #expect(try await daemon.call("auth.status")["signedIn"] == false)  // mallory's code was never redeemed
        daemon.stop()
        await sandbox.stop()
    }
}
