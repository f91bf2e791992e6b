import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseRPC
import Logging

/// The catalog mirror in the daemon: `catalog.*` methods over the local snapshot, and the periodic sync.
public final class CatalogComponent: BrokerComponent {
    /// Reads of the current snapshot.
    public let reader: CatalogReader
    /// Runs syncs, one at a time; nil when `catalog.base_url` is unset.
    public let syncer: CatalogSyncer?
    private let interval: Int
    private let logger: Logger
    private let principal: @Sendable () async -> Principal?

    /// Builds the component from the `catalog.*` keys; each successful sync is published as `catalogSynced`.
    public init(context: BrokerContext, principal: @escaping @Sendable () async -> Principal? = { nil }) throws {
        reader = CatalogReader(store: context.store)
        logger = context.logger
        self.principal = principal
        interval = context.config[ConfigKeys.Catalog.syncIntervalSeconds]
        guard let baseURL = context.config[ConfigKeys.Catalog.baseURL] else {
            syncer = nil
            return
        }
        let token = try context.config[ConfigKeys.Catalog.tokenFile].map(Self.readToken)
        let client = BackstageClient(http: context.http, baseURL: baseURL, token: token)
        let sync = CatalogSync(client: client, store: context.store, pageSize: context.config[ConfigKeys.Catalog.pageSize])
        let events = context.events
        syncer = CatalogSyncer(sync: sync, onSynced: { report in await events.publish(.catalogSynced(report)) })
    }

    public var methods: [RPCMethod] { CatalogMethods(component: self).all }

    /// Syncs at start when the snapshot is missing or due, then every `catalog.sync_interval_seconds`.
    public func run() async {
        guard let syncer, interval > 0 else { return }
        while !Task.isCancelled {
            let age = (try? await reader.snapshot())?.age() ?? .infinity
            if age >= Double(interval) {
                do {
                    let report = try await syncer.syncNow()
                    logger.info(
                        "catalog synced",
                        metadata: [
                            "entities": "\(report.entities)", "seconds": "\(report.elapsedSeconds)", "snapshot": "\(report.snapshotId)",
                        ])
                } catch {
                    logger.warning("catalog sync failed; serving the previous snapshot", metadata: ["error": "\(error)"])
                }
            }
            let wait = max(1, Double(interval) - ((try? await reader.snapshot())?.age() ?? 0))
            try? await Task.sleep(for: .seconds(min(wait, Double(interval))))
        }
    }

    public var statusKey: String { "catalog" }

    public func status() async -> [String: JSONValue] {
        await statusJSON()
    }

    /// `catalog.status`: the snapshot, the last sync's outcome and any sync in flight.
    func statusJSON() async -> [String: JSONValue] {
        var result: [String: JSONValue] = ["configured": .bool(syncer != nil), "syncIntervalSeconds": .int(Int64(interval))]
        if let snapshot = try? await reader.snapshot() {
            result["snapshot"] = try? JSONValue(encoding: snapshot)
            result["snapshotAt"] = .string(snapshot.snapshotAt)
            result["ageSeconds"] = .int(Int64(snapshot.age()))
        } else {
            result["snapshotAt"] = .null
        }
        if let syncer {
            result["syncing"] = .bool(await syncer.isRunning)
            result["progress"] = (await syncer.current).flatMap { try? JSONValue(encoding: $0) } ?? .null
            result["lastSync"] = (await syncer.lastReport).flatMap { try? JSONValue(encoding: $0) } ?? .null
            result["lastError"] = (await syncer.lastError).map { .string($0.description) } ?? .null
        }
        return result
    }

    /// The principal a call is about: `as` when given, else the signed-in one.
    func principal(for explicit: String?) async throws -> Principal {
        if let explicit { return PolicyGate.principal(named: explicit) }
        guard let principal = await principal() else {
            throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first, or pass `as` (a user name or email)")
        }
        return principal
    }

    private static func readToken(_ path: String) throws -> String {
        do {
            return try FileReader.text(path, limit: FileReader.secretLimit).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CatalogError.tokenUnreadable(path: path, detail: error.reason)
        }
    }
}
