import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseTesting
import Testing

@testable import GatehouseIdentity

/// Issue 25 item 5: the loopback redirect belongs to the person signing in.
@Suite("Loopback callback ownership", .serialized)
struct LoopbackCallbackTests {
    @Test func theKernelsSocketTableNamesTheUidOfALocalPeer() async throws {
        let receiver = try await LoopbackReceiver.start()
        defer { receiver.close() }
        let result = try ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", receiver.redirectURI + "?state=x"])
        #expect(result.stdout == "200", "\(result.stderr)")
        #expect(receiver.refusedConnections == 0)
        #expect(LoopbackPeer.hex("127.0.0.1", port: 8080, wide: false) == "0100007F:1F90")
        // A closed (orphaned) socket is listed with inode 0 and uid 0: never taken for root's.
        // The table is read as IPv6 when its name ends in 6, as /proc/net/tcp6 does: this one must not.
        let table = NSTemporaryDirectory() + "gh-\(UUID().uuidString)-tcp"
        defer { try? FileManager.default.removeItem(atPath: table) }
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        let orphan = "   7: 0100007F:D222 0100007F:B1F3 04 00000000:00000000 01:00000014 00000000     0        0 0 3 0000000000000000\n"
        try (header + orphan).write(toFile: table, atomically: true, encoding: .utf8)
        #expect(LoopbackPeer.uid(peer: ("127.0.0.1", 53794), local: ("127.0.0.1", 45555), tables: [table]) == nil)
        let live = orphan.replacingOccurrences(of: "     0        0 0 3", with: "  1000        0 348108 2")
        try (header + live).write(toFile: table, atomically: true, encoding: .utf8)
        #expect(LoopbackPeer.uid(peer: ("127.0.0.1", 53794), local: ("127.0.0.1", 45555), tables: [table]) == 1000)
        #expect(LoopbackPeer.hex("127.0.0.1", port: 8080, wide: true) == "0000000000000000FFFF00000100007F:1F90")
    }
}

extension LoopbackCallbackTests {
    /// The attack of the issue: another local user reads state from the browser opener's argv and
    /// sends their own code to the loopback port first. Here `nobody` (the tests run as root)
    /// does it with curl, then a callback with a wrong state tries to abort the sign-in with an
    /// `error=`; both are ignored and the person's own sign-in completes.
    @Test func anotherUsersCallbackIsIgnoredAndTheOwnSignInCompletes() async throws {
        try #require(getuid() == 0, "this test drops a helper to nobody, which needs root")
        let harness = try await ProviderHarness.start(options: .init(deviceInterval: 5, autoApproveSubject: "alice"))
        defer { harness.stop() }
        let service = try harness.service()
        let challenge = try await service.startLogin(.loopback)
        let query = Dictionary(
            (URLComponents(string: challenge.url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let redirect = try #require(query["redirect_uri"])
        let state = try #require(query["state"])

        // The browser opener gets only the local start address: nothing secret-ish in its argv,
        // and it sends only this user's browser on to the IdP.
        let start = try #require(challenge.browserURL)
        #expect(!start.contains(state) && start.hasPrefix("http://127.0.0.1:"))
        let peek = try ChildProcess.run(
            "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/curl", "-s", "-D", "-", "-o", "/dev/null", start])
        #expect(peek.stdout.hasPrefix("HTTP/1.1 403") && !peek.stdout.contains(state), "\(peek.stdout)")

        let forged = "\(redirect)?code=mallory-code&state=\(state)"
        let attacker = try ChildProcess.run(
            "/usr/bin/setpriv",
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", forged])
        #expect(attacker.stdout == "403", "nobody's callback must be refused: \(attacker.stdout) \(attacker.stderr)")
        let abort = "\(redirect)?error=access_denied&error_description=%1B%5D8%3B%3Bhttps%3A%2F%2Fevil.example%07click%1B%5D8%3B%3B%07&state=wrong"
        #expect(try ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", abort]).stdout == "200")
        try await Task.sleep(for: .milliseconds(50))
        #expect(try service.loginStatus(id: challenge.id) == .pending)

        // The person's browser: from the start address to the IdP, which approves at once and
        // redirects to the loopback port.
        let local = try await harness.http.send(.get(start, upstream: "browser"))
        #expect(local.status == 302 && local.headers["Location"] == challenge.url)
        let decision = try await harness.http.send(.get(challenge.url, upstream: "browser"))
        try #require(decision.status == 302)
        _ = try await harness.http.send(.get(try #require(decision.headers["Location"]), upstream: "browser"))
        let principal = try await harness.waitForLogin(service, challenge.id)
        #expect(principal.subject == "alice")
        #expect(service.ignoredCallbacks(id: challenge.id) == 3)  // nobody's two, and the one without this sign-in's state
    }
}
