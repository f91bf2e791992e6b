import Crypto
import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@testable import GatehouseIdentity

@Suite("Token store")
struct TokenStoreTests {
    /// A blocking read on one of Swift's two pool threads waits for a reader that only an async
    /// read, itself waiting to resume on that pool, can give back: the daemon hung like this once.
    @Test func theSignInThatStartedTheSessionIsKeptWithIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-tokens-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/gatehouse.db")
        defer { store.close() }
        let tokens = TokenStore(store: store, sealer: Sealer(key: SymmetricKey(size: .bits256)))
        let alice = Principal(subject: "alice", issuer: "test", email: "alice@example.com")
        let signedIn = Authentication(at: Date(timeIntervalSince1970: 1_796_000_000), method: .device)
        try await tokens.saveSession(alice, refreshToken: nil, authentication: signedIn, now: Date())
        #expect(try await tokens.loadSession()?.authentication == signedIn, "a step-up check after a restart still knows when")
        try await tokens.saveSession(alice, refreshToken: nil, authentication: nil, now: Date())
        #expect(try await tokens.loadSession()?.authentication == nil)
    }

    @Test("hundreds of concurrent reads of every kind all finish", .timeLimit(.minutes(1)))
    func concurrentReadsNeverStarveThePool() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-tokens-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/gatehouse.db")
        defer { store.close() }
        let tokens = TokenStore(store: store, sealer: Sealer(key: SymmetricKey(size: .bits256)))
        let alice = Principal(subject: "alice", issuer: "test", email: "alice@example.com")
        let now = Date()
        try await tokens.saveSession(alice, refreshToken: "refresh-secret", authentication: nil, now: now)
        let saved = IssuedToken(value: "token-secret", issuedAt: now, expiresAt: now.addingTimeInterval(600), chain: ["idp"])
        try await tokens.save(saved, for: alice, .idpAccess)

        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<300 {
                group.addTask {
                    switch index % 3 {
                    case 0: try await tokens.token(for: alice, .idpAccess)?.value
                    case 1: try await tokens.loadSession()?.refreshToken
                    default: try await tokens.summaries(for: alice).first?.chain
                    }
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(answers.count == 300)
        #expect(answers.filter { $0 == "token-secret" }.count == 100)
        #expect(answers.filter { $0 == "refresh-secret" }.count == 100)
        #expect(answers.filter { $0 == "idp" }.count == 100)
    }
}
