import Foundation
import GRDB
import GatehouseCore
import GatehouseRPC
import GatehouseStore

/// `system.*`: liveness, status and discovery.
enum SystemMethods {
    static func all(
        store: Store, startedAt: Date, components: [any BrokerComponent], methods: @escaping @Sendable () -> JSONValue
    ) -> [RPCMethod] {
        [
            RPCMethod(
                "system.ping", summary: "Liveness check; answers \"pong\".",
                handler: .immediate { _ in "pong" }),
            RPCMethod(
                "system.status", summary: "Version, schema version, uptime, database, audit records, and each component's state under its own key.",
                handler: .async { _ in try await status(store: store, startedAt: startedAt, components: components) }),
            RPCMethod(
                "system.methods", summary: "Every method with a one-line summary and its params schema.",
                handler: .immediate { _ in methods() }),
        ]
    }

    static func status(store: Store, startedAt: Date, components: [any BrokerComponent]) async throws -> JSONValue {
        let auditRecords = try await store.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM audit_log") ?? 0
        }
        var byComponent: [String: JSONValue] = [:]
        for component in components {
            byComponent[component.statusKey] = .object(await component.status())
        }
        return .object([
            "version": .string(GatehouseVersion.current),
            "schemaVersion": .int(Int64(try await store.schemaVersion())),
            "pid": .int(Int64(getpid())),
            "uptimeSeconds": .double((Date().timeIntervalSince(startedAt) * 10).rounded() / 10),
            "startedAt": .string(Timestamp.string(startedAt)),
            "database": .object([
                "path": .string(store.path), "bytes": .int(store.sizeOnDisk()),
                "freeBytes": DiskSpace.measure(store.path).map { .int($0.freeBytes) } ?? .null,
            ]),
            "audit": .object(["records": .int(auditRecords)]),
            "components": .object(byComponent),
        ])
    }
}
