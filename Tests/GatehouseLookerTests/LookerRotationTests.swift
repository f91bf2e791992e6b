import Crypto
import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Logging
import Synchronization
import Testing

@testable import GatehouseLooker

/// Keeps every log line (message and metadata) so a test can look for secrets in them.
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let line = "\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })"
            sink.lines.withLock { $0.append(line) }
        }
    }

    var logger: Logger { Logger(label: "test.rotation") { _ in Handler(sink: self) } }
}

/// The service account's credentials_api3 pair rotated under load: new pair, login,
/// switch, delete the old; the secret sealed in the database and nowhere else.
@Suite("Looker service credential rotation", .timeLimit(.minutes(3)))
struct LookerRotationTests {
    struct Rig {
        let sandbox: Sandbox
        let store: Store
        let path: String
        let session: LookerServiceSession
        let client: LookerClient
        let rotation: LookerCredentialRotation
        let sealer: Sealer
        let logs: CapturedLogs
    }

    static func rig() async throws -> Rig {
        let sandbox = try await Sandbox.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-rotate-\(UUID().uuidString.prefix(8))")
        let path = directory.appendingPathComponent("gatehouse.db").path
        let store = try Store(path: path)
        // No retries: a call that a rotation broke would show as a failure.
        let http = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))
        let base = sandbox.lookerURL.absoluteString
        let session = LookerServiceSession(
            http: http, baseURL: base, credentials: LookerAPICredentials(clientID: "looker-admin-id", clientSecret: "looker-admin-secret"))
        let people = LookerEmbedUsers(
            service: session, profiles: { LookerAttributeMapping.standard.profile(for: $0, teams: ["team-a"], entities: []) }, models: [])
        let client = LookerClient(
            http: http, baseURL: base, credentials: people, lookerUser: session.lookerUser, identity: LookerEmbedUsers.lookerUser(for:))
        let sealer = Sealer(key: SymmetricKey(size: .bits256))
        let logs = CapturedLogs()
        let rotation = LookerCredentialRotation(session: session, store: store, sealer: sealer, baseURL: base, logger: logs.logger)
        return Rig(sandbox: sandbox, store: store, path: path, session: session, client: client, rotation: rotation, sealer: sealer, logs: logs)
    }

    @Test func sixteenReadersThroughThreeRotationsNeverFail() async throws {
        let rig = try await Self.rig()
        final class Progress: Sendable {
            let reads = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
            let stop = Atomic<Bool>(false)
        }
        let progress = Progress()
        var pairs = [rig.session.credentials]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for reader in 0..<16 {
                let principal = Principal(subject: "reader-\(reader)", issuer: "test", name: "Reader \(reader)")
                group.addTask {
                    while !progress.stop.load(ordering: .relaxed) {
                        // A fresh sudo login each time, so the service token is in use throughout.
                        rig.client.forgetToken(for: principal)
                        do {
                            let dashboard = try await rig.client.dashboard("90", for: principal)
                            if dashboard.tiles.contains(where: { $0.error != nil }) { progress.failures.withLock { $0.append("tile error") } }
                        } catch {
                            progress.failures.withLock { $0.append("\(error)") }
                        }
                        progress.reads.add(1, ordering: .relaxed)
                    }
                }
            }
            for _ in 0..<3 {
                let before = progress.reads.load(ordering: .relaxed)
                let progressed = try await eventually(timeout: .seconds(60)) { progress.reads.load(ordering: .relaxed) >= before + 16 }
                #expect(progressed, "the readers keep reading between rotations")
                try await rig.rotation.rotate()
                pairs.append(rig.session.credentials)
            }
            let after = progress.reads.load(ordering: .relaxed)
            let readAfter = try await eventually(timeout: .seconds(60)) { progress.reads.load(ordering: .relaxed) >= after + 16 }
            #expect(readAfter, "reads go on after the last rotation")
            progress.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        #expect(progress.failures.withLock { $0 }.isEmpty, "\(progress.failures.withLock { $0.prefix(3) })")
        #expect(rig.rotation.report.rotations == 3 && rig.rotation.report.lastRefusal == nil)
        #expect(Set(pairs.map(\.clientID)).count == 4)
        for old in pairs.dropLast() {
            #expect(!rig.sandbox.looker.hasCredential(clientId: old.clientID))
            #expect(!rig.sandbox.looker.credentialsLogIn(clientId: old.clientID, secret: old.clientSecret))
        }
        let current = try #require(pairs.last)
        #expect(rig.sandbox.looker.credentialsLogIn(clientId: current.clientID, secret: current.clientSecret))
        // Stored sealed: it opens with the key, and no secret is in the database files in clear.
        #expect(
            try LookerCredentialRotation.storedCredentials(store: rig.store, sealer: rig.sealer, baseURL: rig.sandbox.lookerURL.absoluteString)?
                .clientID == current.clientID)
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes.append((try? Data(contentsOf: URL(fileURLWithPath: rig.path + suffix))) ?? Data()) }
        let logs = rig.logs.lines.withLock { $0 }.joined(separator: "\n")
        #expect(logs.contains(current.clientID), "rotations are logged by client id")
        for pair in pairs {
            #expect(bytes.range(of: Data(pair.clientSecret.utf8)) == nil)
            #expect(!logs.contains(pair.clientSecret))
        }
        rig.store.close()
        await rig.sandbox.stop()
    }

    @Test func aRefusedRotationKeepsTheOldPairAndSaysWhy() async throws {
        let rig = try await Self.rig()
        rig.sandbox.looker.refuseNewCredentials("API3 credential limit reached for this user")
        await #expect(throws: LookerError.self) { try await rig.rotation.rotate() }
        #expect(rig.rotation.report.lastRefusal?.contains("limit reached") == true)
        #expect(rig.rotation.report.rotations == 0)
        #expect(rig.session.credentials.clientID == "looker-admin-id")
        #expect(rig.sandbox.looker.hasCredential(clientId: "looker-admin-id"))
        let principal = Principal(subject: "alice", issuer: "test", name: "Alice")
        #expect(try await rig.client.dashboard("90", for: principal).tiles.count == 2)

        rig.sandbox.looker.refuseNewCredentials(nil)
        try await rig.rotation.rotate()
        #expect(rig.rotation.report.lastRefusal == nil && rig.rotation.report.rotations == 1)
        rig.store.close()
        await rig.sandbox.stop()
    }
}
