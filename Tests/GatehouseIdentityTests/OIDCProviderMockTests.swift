import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTesting
import Testing

@testable import GatehouseIdentity

/// The PKCE loopback flow and refresh ahead against a real third-party provider, `oidc-provider-mock`
/// from PyPI (installed by scripts/oidc-mock.sh). Missing tool = failure, unless
/// GATEHOUSE_SKIP_OIDC_MOCK=1 says to skip (the reason is printed).
@Suite("PKCE against oidc-provider-mock", .serialized)
struct OIDCProviderMockTests {
    static let skip = ProcessInfo.processInfo.environment["GATEHOUSE_SKIP_OIDC_MOCK"] == "1"

    /// Runs oidc-provider-mock with 10-second tokens and alice's claims, until `body` returns.
    func withMock(_ body: (String) async throws -> Void) async throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let binary = try ProcessInfo.processInfo.environment["GATEHOUSE_OIDC_MOCK_BIN"] ?? Self.run(repo + "/scripts/oidc-mock.sh")
        try #require(FileManager.default.isExecutableFile(atPath: binary), "oidc-provider-mock not installed: run scripts/oidc-mock.sh")
        let port = try Self.freePort()
        let process = try ChildProcess(
            binary,
            ["-p", "\(port)", "-e", "10", "--user-claims", #"{"sub":"alice","email":"alice@example.com","groups":["team-a","data-eng"]}"#],
            stdout: .discard, stderr: .discard)
        defer {
            // The mock (uvicorn) may linger after SIGTERM; SIGKILL ends it for sure.
            process.send(SIGKILL)
            process.waitForExit()
        }
        let issuer = "http://127.0.0.1:\(port)"
        // A breaker that never opens: connection refusals are expected until the mock listens.
        let http = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))
        var ready = false
        for _ in 0..<300 where !ready {
            ready = (try? await http.send(.get(issuer + "/.well-known/openid-configuration", upstream: "mock")))?.isSuccess == true
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready, "oidc-provider-mock did not start on port \(port)")
        try await body(issuer)
    }

    /// Signs alice in by playing the browser: POST the authorize form, follow the redirect to the loopback.
    func signIn(_ service: IdentityService, http: HTTPClient, fresh: Bool = false) async throws -> Principal {
        let challenge = try await service.startLogin(.loopback, fresh: fresh)
        let query = URLComponents(string: challenge.url)?.queryItems ?? []
        #expect(query.contains { $0.name == "code_challenge_method" && $0.value == "S256" })
        #expect(query.contains { $0.name == "redirect_uri" && $0.value?.hasPrefix("http://127.0.0.1:") == true })
        let decision = try await http.send(.form(challenge.url, upstream: "browser", fields: [("sub", "alice")]))
        try #require(decision.status == 302)
        let location = try #require(decision.headers["Location"])
        #expect(location.contains("state="))
        _ = try await http.send(.get(location, upstream: "browser"))
        for _ in 0..<500 {
            switch try service.loginStatus(id: challenge.id) {
            case .pending: try await Task.sleep(for: .milliseconds(10))
            case .signedIn(let principal): return principal
            case .failed(let reason): throw IdentityError.loginFailed(reason)
            }
        }
        throw IdentityError.loginFailed("test: loopback sign-in did not finish")
    }

    func makeService(issuer: String) throws -> (IdentityService, Store, String) {
        let directory = NSTemporaryDirectory() + "gatehouse-mock-" + UUID().uuidString
        let store = try Store(path: directory + "/gatehouse.db")
        // oidc-provider-mock requires an unregistered client to authenticate with some secret.
        var configuration = IdentityConfiguration(issuer: issuer, clientID: "gatehouse", clientSecret: "mock-client-secret-value")
        configuration.scopes = ["openid", "email", "profile"]
        let service = try IdentityService(
            configuration: configuration, store: store, http: HTTPClient(configuration: .init(retry: .none)),
            keySource: .file(directory + "/gatehouse.db.key"))
        return (service, store, directory)
    }

    @Test(.disabled(if: skip, "GATEHOUSE_SKIP_OIDC_MOCK=1")) func aFreshSignInForStepUpAsksTheIdPToAuthenticateAgain() async throws {
        try await withMock { issuer in
            let (service, store, directory) = try makeService(issuer: issuer)
            defer {
                store.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
            let challenge = try await service.startLogin(.loopback, fresh: true)
            let query = URLComponents(string: challenge.url)?.queryItems ?? []
            #expect(query.contains { $0.name == "prompt" && $0.value == "login" }, "\(challenge.url)")
            #expect(query.contains { $0.name == "max_age" && $0.value == "0" }, "\(challenge.url)")
            let before = Date()
            _ = try await signIn(service, http: HTTPClient(configuration: .init(retry: .none)), fresh: true)
            // The mock's ID token carries auth_time; the service keeps it, with the flow, for step-up checks.
            let authentication = try #require(service.lastAuthentication())
            #expect(authentication.method == .loopback)
            #expect(abs(authentication.at.timeIntervalSince(before)) < 30, "\(authentication.at) vs \(before)")
            _ = try await service.logout()
            #expect(service.lastAuthentication() == nil)
        }
    }

    @Test(.disabled(if: skip, "GATEHOUSE_SKIP_OIDC_MOCK=1")) func loopbackPKCESignInAndRefreshAhead() async throws {
        try await withMock { issuer in
            let (service, store, directory) = try makeService(issuer: issuer)
            defer {
                store.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
            let principal = try await signIn(service, http: HTTPClient(configuration: .init(retry: .none)))
            #expect(principal.subject == "alice" && principal.groups == ["team-a", "data-eng"])
            let first = try await service.accessToken(for: .idpAccess)
            let idToken = try await service.accessToken(for: .idToken)
            #expect(first.expiresAt.timeIntervalSince(first.issuedAt) <= 10)

            // Refresh ahead: with 10-second tokens the refresher replaces the token after ~6.7 s,
            // before it expires; every token observed meanwhile is unexpired.
            let refresher = Task { await service.run(tick: .milliseconds(250)) }
            defer { refresher.cancel() }
            var replaced: IssuedToken?
            for _ in 0..<60 where replaced == nil {
                try await Task.sleep(for: .milliseconds(250))
                let current = try await service.accessToken(for: .idpAccess)
                #expect(current.expiresAt > Date())
                if current.value != first.value { replaced = current }
            }
            let fresh = try #require(replaced, "the token was not refreshed ahead of expiry")
            #expect(fresh.issuedAt < first.expiresAt)  // refreshed before the old one expired

            // Secrets stay sealed: neither the DB file nor the WAL holds a token or the client secret.
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: store.path + suffix) ?? Data() }
            for secret in [first.value, fresh.value, idToken.value, "mock-client-secret-value"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil)
            }
            _ = try await service.logout()
            #expect(service.currentPrincipal() == nil)
        }
    }

    static func run(_ script: String) throws -> String {
        let result = try ChildProcess.run("/bin/sh", [script])
        try #require(result.status == 0, "\(script) failed; it installs oidc-provider-mock from PyPI:\n\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A port the kernel just handed out on 127.0.0.1 (the mock cannot bind port 0 and report it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
