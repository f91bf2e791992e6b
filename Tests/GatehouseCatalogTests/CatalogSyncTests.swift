import Foundation
import GRDB
import GatehouseCatalog
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

@Suite("Catalog sync and reads against the sandbox")
struct CatalogSyncTests {
    static let seed = SandboxSeed(backstageEntities: [
        [
            "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": ["name": "platform-portal", "title": "Platform Portal", "description": "Internal developer portal"],
            "spec": ["type": "website", "lifecycle": "experimental", "owner": "platform"],
        ]
    ])

    @Test("the example entities arrive with their owners, members and nested groups")
    func examples() async throws {
        try await using(CatalogHarness.start(pageSize: 7, seed: Self.seed)) { harness in
            let progress = ProgressLog()
            let report = try await harness.sync.run { progress.append($0) }
            #expect(report.entities == harness.sandbox.backstage.entityCount)
            #expect(report.pages > 1)
            #expect(progress.last?.entities == report.entities)
            #expect(progress.last?.totalItems == report.entities)

            let (artist, document, snapshot) = try await harness.reader.entity(ref("artist-lookup"))
            #expect(artist.owner == "group:default/team-a")
            #expect(artist.system == "system:default/artist-engagement-portal")
            #expect(artist.lifecycle == "experimental")
            #expect(document["metadata"]?["name"] == "artist-lookup")
            #expect(snapshot.id == report.snapshotId)

            // team-a's members: the example users, both `guest`s, and the demo org's alice.
            let (owners, _) = try await harness.reader.owners(of: ref("component:artist-lookup"))
            #expect(owners.owner == "group:default/team-a")
            #expect(
                Set(owners.users)
                    == Set<String>([
                        "user:default/breanna.davison", "user:default/janelle.dawe", "user:default/nigel.manning", "user:default/guest",
                        "user:development/guest", "user:default/alice",
                    ]))

            // Nested: alice is in team-a ⊂ data-eng ⊂ platform, so she owns what platform owns.
            let alice = Principal(subject: "alice", issuer: "test", email: "alice@example.com")
            let (owned, membership, _) = try await harness.reader.owned(by: alice)
            #expect(membership.user == "user:default/alice")
            #expect(membership.groups["group:default/team-a"] == 0)
            #expect(membership.groups["group:default/data-eng"] == 1)
            #expect(membership.groups["group:default/platform"] == 2)
            let refs = Set(owned.map(\.entity.ref))
            #expect(refs.contains("component:default/artist-lookup"))
            #expect(refs.contains("component:default/platform-portal"))
            #expect(owned.first { $0.entity.ref == "component:default/platform-portal" }?.via == "group:default/platform")
            #expect(!refs.contains("component:default/billing-etl"))

            // The platform-owned portal's owners reach down to team-a and team-b.
            let (portalOwners, _) = try await harness.reader.owners(of: ref("platform-portal"))
            #expect(portalOwners.groups.contains { $0.group == "group:default/team-b" && $0.depth == 2 })
            #expect(portalOwners.users.contains("user:default/bob"))
        }
    }

    @Test("search by kind, owner, lifecycle and FTS5 text")
    func search() async throws {
        try await using(CatalogHarness.start()) { harness in
            _ = try await harness.sync.run()
            let (byText, _) = try await harness.reader.search(CatalogSearch(text: "artist"))
            #expect(byText.contains { $0.ref == "component:default/artist-lookup" })
            #expect(byText.contains { $0.ref == "domain:default/artists" })
            let (components, _) = try await harness.reader.search(CatalogSearch(kind: "Component", owner: "team-b"))
            #expect(components.map(\.ref) == ["component:default/billing-etl"])
            let (production, _) = try await harness.reader.search(CatalogSearch(kind: "component", lifecycle: "production", text: "spark"))
            #expect(production.map(\.ref) == ["component:default/analytics-pipeline"])
            let (nothing, _) = try await harness.reader.search(CatalogSearch(text: "\"unbalanced OR"))
            #expect(nothing.isEmpty)
        }
    }

    @Test("a sync dropped midway leaves the previous snapshot served and intact; the next sync succeeds")
    func interrupted() async throws {
        try await using(CatalogHarness.start(pageSize: 5)) { harness in
            let first = try await harness.sync.run()
            try await harness.sandbox.setFault(SandboxFault(kind: .dropOnPage, count: 100, page: 3), on: .backstage)
            let progress = ProgressLog()
            await #expect(throws: CatalogError.self) { try await harness.sync.run { progress.append($0) } }
            // It really got midway: page 1 was committed (page 2 was fetched while it was written) before page 3 dropped.
            #expect(progress.last?.entities == 5)
            let snapshot = try #require(try await harness.reader.snapshot())
            #expect(snapshot.id == first.snapshotId)
            #expect(snapshot.entities == first.entities)
            let (all, _) = try await harness.reader.search(CatalogSearch(limit: 1000))
            #expect(all.count == first.entities)
            #expect(try await harness.reader.entity(ref("artist-lookup")).0.owner == "group:default/team-a")
            let staged = try await harness.store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM catalog_entities WHERE snapshot_id != ?", arguments: [first.snapshotId])
            }
            #expect(staged == 0)

            try await harness.sandbox.clearFaults(on: .backstage)
            let second = try await harness.sync.run()
            #expect(second.snapshotId != first.snapshotId)
            #expect(second.entities == first.entities)
            #expect(try await harness.reader.snapshot()?.id == second.snapshotId)
        }
    }

    @Test("reads work with Backstage down, and a failed sync says the old snapshot is still served")
    func offline() async throws {
        try await using(CatalogHarness.start()) { harness in
            let report = try await harness.sync.run()
            try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .backstage)
            let failure = await #expect(throws: CatalogError.self) { try await harness.sync.run() }
            #expect(failure?.description.contains("previous snapshot is still served") == true)
            #expect(try await harness.reader.entity(ref("billing-etl")).0.owner == "group:default/team-b")
            let bob = Principal(subject: "bob", issuer: "test")
            #expect(try await harness.reader.owned(by: bob).0.map(\.entity.ref) == ["component:default/billing-etl"])
            #expect(try await harness.reader.snapshot()?.id == report.snapshotId)
        }
    }

    @Test("reads before the first sync say to sync")
    func noSnapshot() async throws {
        try await using(CatalogHarness.start()) { harness in
            await #expect(throws: CatalogError.noSnapshot) { try await harness.reader.entity(ref("artist-lookup")) }
        }
    }
}

/// Collects progress callbacks (called from the sync's task).
final class ProgressLog: Sendable {
    private let items = Mutex<[SyncProgress]>([])
    func append(_ progress: SyncProgress) { items.withLock { $0.append(progress) } }
    var last: SyncProgress? { items.withLock { $0.last } }
}
