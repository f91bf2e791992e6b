import Foundation
import GRDB
import GatehouseCore
import GatehouseLooker
import GatehouseStore
import GatehouseTesting
import Testing

@Suite("Dashboard cache: stale-while-revalidate, eviction, sealing")
struct DashboardCacheTests {
    let alice = LookerHarness.alice

    @Test func freshCopyIsServedWithoutAskingLooker() async throws {
        let harness = try await LookerHarness.start(freshFor: 60)
        let first = try await harness.service.dashboard("12", for: alice)
        harness.clock.advance(30)
        let second = try await harness.service.dashboard("12", for: alice)
        let fetches = harness.requests("/dashboards/12")
        await harness.stop()
        #expect(first.source == .fetched)
        #expect(second.source == .fresh)
        #expect(!second.stale && !second.offline)
        #expect(second.dashboard == first.dashboard)
        #expect(second.fetchedAt == first.fetchedAt)
        #expect(fetches == 1)
    }

    @Test func staleCopyIsServedAtOnceAndRefreshedOnceInTheBackground() async throws {
        let harness = try await LookerHarness.start(freshFor: 60)
        let first = try await harness.service.dashboard("12", for: alice)
        harness.clock.advance(61)
        // Several readers of the stale copy start one refresh between them.
        let answers = try await withThrowingTaskGroup(of: DashboardAnswer.self) { group in
            for _ in 0..<8 { group.addTask { try await harness.service.dashboard("12", for: alice) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await harness.service.waitForRefreshes()
        let after = try await harness.service.dashboard("12", for: alice)
        let fetches = harness.requests("/dashboards/12")
        await harness.stop()
        #expect(answers.allSatisfy { $0.stale && $0.fetchedAt == first.fetchedAt && !$0.offline })
        #expect(fetches == 2)
        #expect(after.source == .fresh)
        #expect(after.fetchedAt == first.fetchedAt.addingTimeInterval(61))
    }

    @Test func lookerDownServesTheLastGoodCopyAsOffline() async throws {
        let harness = try await LookerHarness.start(freshFor: 60)
        let first = try await harness.service.dashboard("12", for: alice)
        try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .looker)
        harness.clock.advance(120)
        _ = try await harness.service.dashboard("12", for: alice)
        await harness.service.waitForRefreshes()
        let offline = try await harness.service.dashboard("12", for: alice)
        try await harness.sandbox.clearFaults(on: .looker)
        await harness.service.waitForRefreshes()
        harness.clock.advance(1)
        _ = try await harness.service.dashboard("12", for: alice)
        await harness.service.waitForRefreshes()
        let recovered = try await harness.service.dashboard("12", for: alice)
        await harness.stop()
        #expect(offline.stale && offline.offline)
        #expect(offline.fetchedAt == first.fetchedAt)
        #expect(offline.dashboard == first.dashboard)
        #expect(recovered.source == .fresh && !recovered.offline)
    }

    @Test func neverCachedWhileLookerIsDownIsNotAvailableOffline() async throws {
        let harness = try await LookerHarness.start()
        try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .looker)
        let error = await #expect(throws: LookerError.self) {
            _ = try await harness.service.dashboard("34", for: alice)
        }
        await harness.stop()
        guard case .notAvailableOffline(let id, _)? = error else {
            Issue.record("expected notAvailableOffline, got \(String(describing: error))")
            return
        }
        #expect(id == "34")
    }

    @Test func aCopyLookerNoLongerShowsIsDroppedOnRefresh() async throws {
        let harness = try await LookerHarness.start(freshFor: 60)
        _ = try await harness.service.dashboard("12", for: alice)
        try await harness.sandbox.setFault(SandboxFault(kind: .revoke), on: .looker)
        harness.clock.advance(61)
        let stale = try await harness.service.dashboard("12", for: alice)
        await harness.service.waitForRefreshes()
        let left = try await harness.cache.entries()
        let error = await #expect(throws: LookerError.self) {
            _ = try await harness.service.dashboard("12", for: alice)
        }
        await harness.stop()
        #expect(stale.stale)
        #expect(left.isEmpty)
        guard case .forbidden? = error else {
            Issue.record("expected forbidden, got \(String(describing: error))")
            return
        }
    }

    @Test func leastRecentlyUsedIsEvictedPastTheByteBound() async throws {
        // Measure one entry, then allow a little more than two.
        let probe = try await LookerHarness.start()
        _ = try await probe.service.dashboard("12", for: alice)
        let size = try #require(try await probe.cache.entries().first?.bytes)
        await probe.stop()

        let harness = try await LookerHarness.start(maxBytes: size * 2 + size / 2)
        _ = try await harness.service.dashboard("12", for: alice)
        harness.clock.advance(1)
        _ = try await harness.service.dashboard("34", for: alice)
        harness.clock.advance(1)
        _ = try await harness.service.dashboard("12", for: alice)  // 12 is now more recent than 34
        harness.clock.advance(1)
        _ = try await harness.service.dashboard("90", for: alice)
        let kept = Set(try await harness.cache.entries().map(\.key.dashboardID))
        let total = try await harness.cache.entries().map(\.bytes).reduce(0, +)
        // Evicted from disk means gone from the in-memory copies too: 34 comes from Looker again.
        let again = try await harness.service.dashboard("34", for: alice)
        await harness.stop()
        #expect(kept == ["12", "90"])
        #expect(total <= size * 2 + size / 2)
        #expect(again.source == .fetched)
    }

    @Test func tileValuesAreNotInTheDatabaseFileInClear() async throws {
        let harness = try await LookerHarness.start()
        let answer = try await harness.service.dashboard("12", for: alice)
        let entries = try await harness.cache.entries()
        let path = harness.store.path
        await harness.stop()  // checkpoints the WAL into the main file
        #expect(answer.dashboard.tiles.first?.rows?.first?["artists.name"] == "artists-1")
        #expect(entries.count == 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        #expect(bytes.count > 0)
        for plaintext in ["artists-1", "Artist engagement by name", "artists.count"] {
            #expect(bytes.range(of: Data(plaintext.utf8)) == nil, "\(plaintext) is in the database file in clear")
        }
    }

    @Test func aCopyFromAnotherKeyDoesNotOpen() async throws {
        let harness = try await LookerHarness.start()
        _ = try await harness.service.dashboard("12", for: alice)
        try await harness.store.writer.write { db in
            try db.execute(sql: "UPDATE looker_dashboard_cache SET cache_key = 'looker:looker-admin-id/34', dashboard_id = '34'")
        }
        harness.clock.advance(1)
        let answer = try await harness.service.dashboard("34", for: alice)
        await harness.stop()
        // The moved row fails to open, so 34 is fetched from Looker instead of serving 12's data.
        #expect(answer.source == .fetched)
        #expect(answer.dashboard.title == "Engagement reports")
    }
}
