import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseRPC
import GatehouseStore

/// `audit.query` and `audit.verify`. The same functions serve the CLI when the daemon is stopped.
public enum AuditMethods {
    static func all(store: Store, collector: CollectorClient? = nil) -> [RPCMethod] {
        [
            RPCMethod(
                "audit.query", summary: "Audit records matching filters, oldest first (order: desc for newest first), paged by cursor.",
                params: querySchema,
                handler: .async { call in
                    let query: AuditQuery = try call.decodeParams()
                    return try await store.pool.read { db in try runQuery(query, db) }
                }),
            RPCMethod(
                "audit.verify",
                summary:
                    "Walks the hash chain (only from the last cosigned checkpoint when incremental) and reports the first altered, missing or out-of-place record.",
                params: [
                    "type": "object",
                    "properties": [
                        "incremental": [
                            "type": "boolean",
                            "description": "walk only the records since the last cosigned checkpoint (the collector verified and keeps the rest)",
                        ]
                    ],
                    "additionalProperties": false,
                ],
                handler: .async { call in
                    let params: VerifyParams = try call.decodeParams()
                    return try await verify(store.pool, collector: collector, full: !(params.incremental ?? false))
                }),
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

    private struct VerifyParams: Decodable { var incremental: Bool? }

    /// Verifies the whole chain against the locally kept cosigned checkpoint only (no network), as JSON.
    public static func verify(_ db: Database) throws -> JSONValue {
        let kept = try CosignedCheckpointCheck.hostState(db).kept
        return try verify(db, choice: CosignedCheckpointCheck.Choice(reference: kept, remark: nil), full: true)
    }

    /// Verifies the chain read directly from `reader` (the CLI with the daemon stopped), comparing it
    /// with the fleet collector's latest cosigned checkpoint when `config` names a reachable collector.
    public static func verify(_ reader: any DatabaseReader, config: Config, full: Bool) async throws -> JSONValue {
        guard let url = config[ConfigKeys.Fleet.collectorURL] else { return try await verify(reader, collector: nil, full: full) }
        let http = HTTPClient(
            configuration: try config.upstreamHTTPConfiguration(
                base: HTTPClientConfiguration(connectTimeout: .seconds(3), defaultTimeout: .seconds(5), retry: .none)))
        defer { http.shutdown() }
        return try await verify(reader, collector: CollectorClient(baseURL: url, http: http), full: full)
    }

    /// Verifies the chain and compares it with the latest cosigned checkpoint: the collector's when it
    /// answers, else the one kept locally; the report says which was used. Unless `full`, only the
    /// records from the checkpoint's size on are walked (the collector verified and keeps the rest).
    static func verify(_ reader: any DatabaseReader, collector: CollectorClient?, full: Bool) async throws -> JSONValue {
        let state = try await reader.read { db in try CosignedCheckpointCheck.hostState(db) }
        let choice = await CosignedCheckpointCheck.choose(state, collector: collector)
        return try await reader.read { db in try verify(db, choice: choice, full: full) }
    }

    static func verify(_ db: Database, choice: CosignedCheckpointCheck.Choice, full: Bool) throws -> JSONValue {
        var report: AuditVerification
        if !full, let reference = choice.reference, reference.checkpoint.size > 0 {
            // Incremental: the record at the cosigned size must be the cosigned head, and the chain
            // must run intact from it to the newest record.
            if let finding = try CosignedCheckpointCheck.check(db, against: reference) {
                report = AuditVerification(
                    checked: 0, headSeq: nil, anchorSeq: try AuditAnchor.read(db)?.seq, firstBroken: (finding.seq, finding.reason))
            } else {
                report = try AuditVerifier.verify(db, after: reference.checkpoint.size - 1)
            }
        } else {
            report = try AuditVerifier.verify(db)
            // A chain intact on its own may still have lost its newest records: compare it with the
            // checkpoint the fleet collector cosigned, when this host ships to one.
            if report.isIntact, let finding = try CosignedCheckpointCheck.check(db, against: choice.reference) {
                report.firstBroken = (finding.seq, finding.reason)
            }
        }
        var result: [String: JSONValue] = [
            "intact": .bool(report.isIntact), "checked": .int(report.checked),
            "headSeq": report.headSeq.map(JSONValue.int) ?? .null,
        ]
        if let broken = report.firstBroken {
            result["firstBroken"] = ["seq": .int(broken.seq), "reason": .string(broken.reason)]
        }
        if let anchor = report.anchorSeq { result["anchorSeq"] = .int(anchor) }
        let incremental = !full && (choice.reference?.checkpoint.size ?? 0) > 0
        result["mode"] = .string(incremental ? "incremental" : "full")
        if incremental, let from = choice.reference?.checkpoint.size { result["fromSeq"] = .int(from) }
        if let reference = choice.reference {
            result["checkpoint"] = ["source": .string(reference.source.rawValue), "size": .int(reference.checkpoint.size)]
        }
        if let remark = choice.remark { result["checkpointRemark"] = .string(remark) }
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
