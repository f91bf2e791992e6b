import Crypto
import Foundation
import GRDB
import GatehouseAudit
import GatehouseCollector
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Two hosts (alice's, bob's) ship to one collector; auditors (group team-a: alice) query both; others are refused, and both are on record.
@Suite(.serialized) struct FleetAuditorTests {
    @Test func anAuditorSeesEveryHostAndANonAuditorIsRefusedAndBothAreRecorded() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                var configuration = CollectorPostgresTests.configuration(postgres)
                var identity = IdentityConfiguration(issuer: sandbox.oidc.issuer, clientID: "gatehouse")
                identity.allowInsecureHTTP = true
                configuration.identity = identity
                configuration.auditorGroups = ["team-a"]
                try await using(try await Collector.start(configuration, logger: CollectorPostgresTests.quiet)) { collector in
                    let http = HTTPClient()
                    defer { http.shutdown() }
                    let client = CollectorClient(baseURL: "http://127.0.0.1:\(collector.port)", http: http)
                    let aliceToken = try await HostRegistrationTests.idToken(sandbox, subject: "alice", http: http)
                    let bobToken = try await HostRegistrationTests.idToken(sandbox, subject: "bob", http: http)
                    var hosts: [String] = []
                    for (person, token, count) in [("alice", aliceToken, 7), ("bob", bobToken, 5)] {
                        let temp = try TemporaryStore()
                        defer { temp.store.close() }
                        let audit = AuditLog(store: temp.store)
                        for index in 0..<count {
                            _ = try await audit.append(
                                AuditEntry(
                                    principal: "\(person)@example.com", method: index % 2 == 0 ? "dashboard.get" : "job.submit",
                                    entity: "component:default/c\(index)",
                                    decision: .allow))
                        }
                        let host = try await HostIdentity.loadOrCreate(
                            store: temp.store, sealer: Sealer(key: SymmetricKey(size: .bits256)), hostName: "\(person)-laptop")
                        let shipper = FleetShipper(
                            identity: host, store: temp.store, client: client, idToken: { token }, logger: CollectorPostgresTests.quiet)
                        #expect(try await shipper.shipOnce() == .shipped(through: Int64(count), records: count))
                        hosts.append(host.hostID)
                    }

                    // Alice is in team-a: she sees both hosts, paged by cursor.
                    var query = FleetQuery()
                    query.limit = 5
                    var seen: [FleetRecord] = []
                    while true {
                        let page = try await client.query(query, idToken: aliceToken)
                        seen += page.records
                        guard let next = page.nextCursor else { break }
                        query.cursor = next
                    }
                    #expect(seen.count == 12)
                    #expect(Set(seen.map(\.hostID)) == Set(hosts))
                    #expect(Set(seen.map { "\($0.hostID)/\($0.record.seq)" }).count == 12)
                    // Filters: bob's job submissions.
                    var filtered = FleetQuery()
                    filtered.principal = "bob@example.com"
                    filtered.method = "job.submit"
                    let bobJobs = try await client.query(filtered, idToken: aliceToken)
                    #expect(bobJobs.records.map(\.record.seq) == [2, 4])
                    #expect(bobJobs.records.allSatisfy { $0.hostID == hosts[1] })
                    // Central verification of a host's whole chain.
                    let report = try await client.verify(hostID: hosts[0], idToken: aliceToken)
                    #expect(report.intact && report.checked == 7 && report.cosignedSize == 7)

                    // Bob is not an auditor: refused, and that is on record too.
                    await HostRegistrationTests.expectRefused(403, "not_auditor") { _ = try await client.query(FleetQuery(), idToken: bobToken) }
                    await HostRegistrationTests.expectRefused(401, "unauthenticated") { _ = try await client.query(FleetQuery(), idToken: "forged") }
                    #expect(
                        try await postgres.psql("SELECT email, action, allowed, outcome FROM access_log WHERE email = 'bob@example.com'")
                            == "bob@example.com|query|f|not an auditor\n")
                    #expect(try await postgres.psql("SELECT count(*) FROM access_log WHERE email = 'alice@example.com' AND allowed") == "5\n")

                    // Tampering in PostgreSQL itself (a row deleted behind the collector's back) is caught by verify.
                    try await postgres.psql("DELETE FROM records WHERE host_id = '\(hosts[0])' AND seq = 7")
                    let cut = try await client.verify(hostID: hosts[0], idToken: aliceToken)
                    #expect(!cut.intact && cut.firstBrokenSeq == 7 && cut.reason == "records 7…7 are cosigned but missing from the database")
                }
            }
        }
    }
}
