import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseFleet
import GatehouseRPC
import GatehouseStore

/// `audit.query` and `audit.verify`. The same functions serve the CLI when the daemon is stopped.
public enum AuditMethods {
    static func all(store: Store) -> [RPCMethod] {
        [
            RPCMethod(
                "audit.query", summary: "Audit records matching filters, oldest first (order: desc for newest first), paged by cursor.",
                params: querySchema,
                handler: .async { call in
                    let query: AuditQuery = try call.decodeParams()
                    return try await store.pool.read { db in try runQuery(query, db) }
                }),
            RPCMethod(
                "audit.verify", summary: "Walks the hash chain and reports the first altered, missing or out-of-place record.",
                handler: .async { _ in try await store.pool.read { db in try verify(db) } }),
        ]
    }

    /// Runs `query` and returns the page as JSON.
    public static func runQuery(_ query: AuditQuery, _ db: Database) throws -> JSONValue {
        do {
            return try query.run(db).json
        } catch {
            throw RPCError.invalidParams(error.description)
        }
    }

    /// Verifies the chain and returns the report as JSON.
    public static func verify(_ db: Database) throws -> JSONValue {
        var report = try AuditVerifier.verify(db)
        // A chain intact on its own may still have lost its newest records: compare it with the
        // checkpoint the fleet collector cosigned, when this host ships to one.
        if report.isIntact, let finding = try CosignedCheckpointCheck.check(db) {
            report.firstBroken = (finding.seq, finding.reason)
        }
        var result: [String: JSONValue] = [
            "intact": .bool(report.isIntact), "checked": .int(report.checked),
            "headSeq": report.headSeq.map(JSONValue.int) ?? .null,
        ]
        if let broken = report.firstBroken {
            result["firstBroken"] = ["seq": .int(broken.seq), "reason": .string(broken.reason)]
        }
        return .object(result)
    }

    static let querySchema: JSONValue = [
        "type": "object",
        "properties": [
            "since": ["type": "string", "description": "RFC 3339 time or an age like 15m, 2h, 7d"],
            "until": ["type": "string"],
            "principal": ["type": "string"], "method": ["type": "string"], "entity": ["type": "string"],
            "outcome": ["enum": ["ok", "error"]], "decision": ["enum": ["allow", "deny", "pending", "none"]],
            "peerUID": ["type": "integer"],
            "limit": ["type": "integer", "minimum": 1, "maximum": 1000],
            "cursor": ["type": "integer"], "order": ["enum": ["asc", "desc"]],
        ],
        "additionalProperties": false,
    ]
}
