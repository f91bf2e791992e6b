import Crypto
import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseFleet
import GatehouseStore
import Logging
import PostgresNIO

/// The collector's PostgreSQL: hosts, cosigned heads, records and alerts. Holds no state of its own
/// beyond the connection pool, so several collectors can run against one database.
public struct CollectorStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// A store over `client` (whose `run()` the caller runs).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Brings the schema up to date.
    public func migrate() async throws {
        try await CollectorSchema.migrate(client, logger: logger)
    }

    /// Binds `hostID` to `publicKey` and the person who registered it; the same key again is a no-op.
    public func registerHost(_ hostID: String, publicKey: Curve25519.Signing.PublicKey, person: Principal?) async throws {
        let raw = publicKey.rawRepresentation
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO hosts (host_id, public_key, person_subject, person_issuer, person_email)
                VALUES (\(hostID), \(raw), \(person?.subject), \(person?.issuer), \(person?.email))
                ON CONFLICT (host_id) DO NOTHING RETURNING host_id
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            if inserted { return }
            guard let existing = try await Self.hostKey(hostID, connection, logger), existing == raw else {
                throw CollectorError.hostKeyConflict(hostID)
            }
        }
    }

    /// The registered key of `hostID`, if it is registered.
    public func hostKey(_ hostID: String) async throws -> Curve25519.Signing.PublicKey? {
        let raw = try await client.withConnection { try await Self.hostKey(hostID, $0, logger) }
        return try raw.map { try Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    private static func hostKey(_ hostID: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Data? {
        for try await key in try await connection.query("SELECT public_key FROM hosts WHERE host_id = \(hostID)", logger: logger).decode(Data.self) {
            return key
        }
        return nil
    }

    /// The latest cosigned checkpoint note of `hostID`, if any.
    public func latestCheckpoint(_ hostID: String) async throws -> String? {
        for try await note in try await client.query("SELECT note FROM host_heads WHERE host_id = \(hostID)", logger: logger).decode(String.self) {
            return note
        }
        return nil
    }

    /// Checks `shipment` against the host's cosigned head and, if it extends it, stores the new
    /// records and the cosigned checkpoint in one transaction. A refusal is stored as an alert
    /// with its evidence and thrown as `CollectorError.refused`.
    public func submit(hostID: String, shipment: Shipment, witness: Witness, now: Date = Date()) async throws -> ShipmentReceipt {
        let signed: SignedCheckpoint
        do throws(FleetError) { signed = try SignedCheckpoint(text: shipment.checkpoint) } catch {
            throw CollectorError.badRequest(error.description)
        }
        do {
            return try await client.transaction(logger: logger) { connection in
                // Serialises shipments of one host across every collector on this database.
                guard let raw = try await Self.lockedHostKey(hostID, connection, logger),
                    let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                else { throw CollectorError.unknownHost(hostID) }
                let cosigned = try await Self.head(hostID, connection, logger)
                // Records the collector already has, sent again (an answer was lost, the batch size
                // changed): a checkpoint below the cosigned size whose head is the stored record there
                // is a prefix of the stored chain. Answer with the current head, which tells the host
                // how far the collector already is; nothing moves back. Any other smaller checkpoint
                // is a rollback, refused below.
                if let cosigned, signed.checkpoint.size < cosigned.checkpoint.size,
                    try await Self.isStoredPrefix(signed.checkpoint, connection, logger), signed.isSigned(byHost: key)
                {
                    try await Self.checkResent(hostID, shipment.records, connection, logger)
                    return ShipmentReceipt(checkpoint: cosigned.note, stored: 0)
                }
                let rule = ChainExtension(hostID: hostID, hostKey: key, cosigned: cosigned?.checkpoint)
                let accepted: ChainExtension.Accepted
                do throws(ChainRefusal) { accepted = try rule.check(signed, records: shipment.records) } catch { throw CollectorError.refused(error) }
                try await Self.checkResent(hostID, accepted.resent, connection, logger)
                if accepted.newRecords.isEmpty, let cosigned, cosigned.checkpoint == signed.checkpoint {
                    return ShipmentReceipt(checkpoint: cosigned.note, stored: 0)
                }
                try await Self.insert(accepted.newRecords, hostID: hostID, connection, logger)
                let note = try witness.cosign(signed, at: now).text
                let checkpoint = signed.checkpoint
                _ = try await connection.query(
                    """
                    INSERT INTO host_heads (host_id, size, head, note) VALUES (\(hostID), \(checkpoint.size), \(checkpoint.head), \(note))
                    ON CONFLICT (host_id) DO UPDATE SET size = excluded.size, head = excluded.head, note = excluded.note, updated_at = now()
                    """, logger: logger)
                _ = try await connection.query(
                    """
                    INSERT INTO checkpoints (host_id, size, head, note) VALUES (\(hostID), \(checkpoint.size), \(checkpoint.head), \(note))
                    ON CONFLICT (host_id, size) DO NOTHING
                    """, logger: logger)
                return ShipmentReceipt(checkpoint: note, stored: accepted.newRecords.count)
            }
        } catch CollectorError.refused(let refusal) {
            try await raiseAlert(hostID: hostID, refusal: refusal, shipment: shipment, signed: signed)
            throw CollectorError.refused(refusal)
        }
    }

    /// Records already stored that came again must be byte-for-byte the same (their hash says so).
    private static func checkResent(_ hostID: String, _ resent: [AuditRecord], _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard let first = resent.first?.seq, let last = resent.last?.seq else { return }
        var stored: [Int64: Data] = [:]
        let rows = try await connection.query(
            "SELECT seq, hash FROM records WHERE host_id = \(hostID) AND seq BETWEEN \(first) AND \(last)", logger: logger)
        for try await (seq, hash) in rows.decode((Int64, Data).self) { stored[seq] = hash }
        for record in resent where stored[record.seq] != record.hash {
            throw CollectorError.refused(
                ChainRefusal(
                    .rewrite, "record \(record.seq) of host \(hostID) differs from the one stored under the cosigned checkpoint"))
        }
    }

    private static func isStoredPrefix(_ checkpoint: Checkpoint, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT hash FROM records WHERE host_id = \(checkpoint.origin) AND seq = \(checkpoint.size)", logger: logger)
        for try await hash in rows.decode(Data.self) { return hash == checkpoint.head }
        return false
    }

    private static func lockedHostKey(_ hostID: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Data? {
        let rows = try await connection.query("SELECT public_key FROM hosts WHERE host_id = \(hostID) FOR UPDATE", logger: logger)
        for try await key in rows.decode(Data.self) { return key }
        return nil
    }

    private static func head(
        _ hostID: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (checkpoint: Checkpoint, note: String)? {
        let rows = try await connection.query("SELECT size, head, note FROM host_heads WHERE host_id = \(hostID)", logger: logger)
        for try await (size, head, note) in rows.decode((Int64, Data, String).self) {
            return (Checkpoint(origin: hostID, size: size, head: head), note)
        }
        return nil
    }

    /// Rows per INSERT statement: 22 parameters each stays under PostgreSQL's 65,535 per statement.
    static let rowsPerInsert = 1000

    /// Stores `records` with one multi-row INSERT per `rowsPerInsert` rows: one statement and one round
    /// trip per shipment, not one per record (the collector's CPU per record fell from 109 to 42 µs; docs/benchmarks.md).
    private static func insert(_ records: [AuditRecord], hostID: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        for start in stride(from: 0, to: records.count, by: rowsPerInsert) {
            let rows = records[start..<min(start + rowsPerInsert, records.count)]
            var binds = PostgresBindings(capacity: rows.count * 22)
            var sql = """
                INSERT INTO records (host_id, seq, at, at_time, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class, principal,
                    method, entity, params, decision, rule, outcome, error_reason, detail, duration_us, prev_hash, hash) VALUES
                """
            for (row, r) in rows.enumerated() {
                let p = row * 22
                sql += row == 0 ? " (" : ", ("
                sql += (1...22).map { $0 == 4 ? "$\(p + $0)::timestamptz" : "$\(p + $0)" }.joined(separator: ",")
                sql += ")"
                binds.append(hostID)
                binds.append(r.seq)
                binds.append(r.at)
                binds.append(r.at)
                binds.append(r.requestID)
                binds.append(r.peerUID)
                binds.append(r.peerGID)
                binds.append(r.peerPID)
                binds.append(r.peerExe)
                binds.append(r.callerClass)
                binds.append(r.principal)
                binds.append(r.method)
                binds.append(r.entity)
                binds.append(r.params)
                binds.append(r.decision)
                binds.append(r.rule)
                binds.append(r.outcome)
                binds.append(r.errorReason)
                binds.append(r.detail)
                binds.append(r.durationUS)
                try binds.append(r.prevHash)
                try binds.append(r.hash)
            }
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        }
    }

    /// Keeps a refused shipment as evidence: the presented checkpoint, the seqs and hashes sent,
    /// and the head it was checked against. Record contents stay out (they may hold what the host
    /// meant to redact); the hashes identify them.
    private func raiseAlert(hostID: String, refusal: ChainRefusal, shipment: Shipment, signed: SignedCheckpoint) async throws {
        let sent: [JSONValue] = shipment.records.prefix(1000).map { .object(["seq": .int($0.seq), "hash": .string($0.hash.hexString)]) }
        let cosigned = try await latestCheckpoint(hostID)
        let evidence = JSONValue.object([
            "presentedCheckpoint": .string(signed.text),
            "cosignedCheckpoint": cosigned.map(JSONValue.string) ?? .null,
            "records": .array(sent),
            "recordCount": .int(Int64(shipment.records.count)),
        ])
        try await raiseAlert(hostID: hostID, kind: refusal.kind.rawValue, message: refusal.message, evidence: evidence)
    }

    /// Stores an alert for auditors.
    public func raiseAlert(hostID: String, kind: String, message: String, evidence: JSONValue) async throws {
        let json = String(decoding: JSONWriter.bytes(evidence), as: UTF8.self)
        _ = try await client.query(
            "INSERT INTO alerts (host_id, kind, message, evidence) VALUES (\(hostID), \(kind), \(message), \(json)::jsonb)", logger: logger)
        logger.warning("fleet alert for host \(hostID): \(kind): \(message)")
    }

    /// Alerts, newest first, optionally of one host.
    public func alerts(hostID: String? = nil, limit: Int = 100) async throws -> [FleetAlert] {
        let rows = try await client.query(
            """
            SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), host_id, kind, message FROM alerts
            WHERE \(hostID)::text IS NULL OR host_id = \(hostID) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var out: [FleetAlert] = []
        for try await (id, at, host, kind, message) in rows.decode((Int64, String, String, String, String).self) {
            out.append(FleetAlert(id: id, at: at, hostID: host, kind: kind, message: message))
        }
        return out
    }

    /// The stored columns of a record, in `record(_:)`'s order.
    static let recordColumns = """
        seq, at, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class, principal, method, entity, params,
        decision, rule, outcome, error_reason, detail, duration_us, prev_hash, hash
        """

    /// Up to `limit` stored records of `hostID` after `afterSeq`, in seq order.
    public func records(hostID: String, afterSeq: Int64, limit: Int) async throws -> [AuditRecord] {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.recordColumns) FROM records WHERE host_id = \(hostID) AND seq > \(afterSeq) ORDER BY seq LIMIT \(limit)",
            logger: logger)
        var out: [AuditRecord] = []
        for try await row in rows { out.append(try Self.record(row.makeRandomAccess(), from: 0)) }
        return out
    }

    /// A record from `recordColumns` starting at column `first`.
    static func record(_ c: PostgresRandomAccessRow, from first: Int) throws -> AuditRecord {
        let i = first
        return AuditRecord(
            seq: try c[i].decode(Int64.self), at: try c[i + 1].decode(String.self), requestID: try c[i + 2].decode(String?.self),
            peerUID: try c[i + 3].decode(Int64?.self), peerGID: try c[i + 4].decode(Int64?.self), peerPID: try c[i + 5].decode(Int64?.self),
            peerExe: try c[i + 6].decode(String?.self), callerClass: try c[i + 7].decode(String?.self), principal: try c[i + 8].decode(String?.self),
            method: try c[i + 9].decode(String.self), entity: try c[i + 10].decode(String?.self), params: try c[i + 11].decode(String.self),
            decision: try c[i + 12].decode(String.self), rule: try c[i + 13].decode(String?.self), outcome: try c[i + 14].decode(String.self),
            errorReason: try c[i + 15].decode(String?.self), detail: try c[i + 16].decode(String?.self), durationUS: try c[i + 17].decode(Int64.self),
            prevHash: try c[i + 18].decode(Data.self), hash: try c[i + 19].decode(Data.self))
    }

    /// A page of every host's records matching `query`, ordered by (time, host, seq), after its cursor.
    public func query(_ query: FleetQuery) async throws -> FleetRecordPage {
        let limit = min(max(query.limit ?? 100, 1), FleetQuery.maxLimit)
        for (name, value) in [("since", query.since), ("until", query.until)] {
            if let value, Timestamp.parse(value) == nil { throw CollectorError.badRequest("\(name) must be an RFC 3339 time, got \(value)") }
        }
        var after: (at: String, host: String, seq: Int64)?
        if let cursor = query.cursor {
            guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else {
                throw CollectorError.badRequest("the cursor is not one this collector gave")
            }
            let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard parts.count == 3, let seq = Int64(parts[2]), Timestamp.parse(String(parts[0])) != nil else {
                throw CollectorError.badRequest("the cursor is not one this collector gave")
            }
            after = (String(parts[0]), String(parts[1]), seq)
        }
        let q = query
        // `IS NULL` on the text parameter, not on its cast: text → timestamptz depends on the session's
        // time zone, so PostgreSQL does not fold the cast while planning, the OR stays, and a time range
        // became a filter on records_at instead of its bounds (830 ms for one day of 1M records, vs 10 ms).
        let rows = try await client.query(
            """
            SELECT host_id, \(unescaped: Self.recordColumns) FROM records
            WHERE (\(q.since)::text IS NULL OR at_time >= \(q.since)::timestamptz)
              AND (\(q.until)::text IS NULL OR at_time < \(q.until)::timestamptz)
              AND (\(q.principal)::text IS NULL OR principal = \(q.principal))
              AND (\(q.host)::text IS NULL OR host_id = \(q.host))
              AND (\(q.method)::text IS NULL OR method = \(q.method))
              AND (\(q.entity)::text IS NULL OR entity = \(q.entity))
              AND (\(q.decision)::text IS NULL OR decision = \(q.decision))
              AND (\(q.outcome)::text IS NULL OR outcome = \(q.outcome))
              AND (\(after?.at)::text IS NULL OR (at_time, host_id, seq) > (\(after?.at)::timestamptz, \(after?.host), \(after?.seq)))
            ORDER BY at_time, host_id, seq LIMIT \(limit + 1)
            """, logger: logger)
        var records: [FleetRecord] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            records.append(FleetRecord(hostID: try c[0].decode(String.self), record: try Self.record(c, from: 1)))
        }
        var next: String?
        if records.count > limit {
            records.removeLast()
            if let last = records.last {
                next = Data("\(last.record.at)\n\(last.hostID)\n\(last.record.seq)".utf8).base64EncodedString()
            }
        }
        return FleetRecordPage(records: records, nextCursor: next)
    }

    /// Re-verifies `hostID`'s whole stored chain (pages of 5,000) with the shared chain rule, and
    /// that it ends at the head the witness cosigned.
    public func verifyChain(_ hostID: String) async throws -> FleetChainReport {
        guard try await hostKey(hostID) != nil else { throw CollectorError.unknownHost(hostID) }
        var cosigned: (size: Int64, head: Data)?
        for try await (size, head) in try await client.query("SELECT size, head FROM host_heads WHERE host_id = \(hostID)", logger: logger).decode(
            (Int64, Data).self)
        {
            cosigned = (size, head)
        }
        var alerts = 0
        for try await count in try await client.query("SELECT count(*) FROM alerts WHERE host_id = \(hostID)", logger: logger).decode(Int64.self) {
            alerts = Int(count)
        }
        var walk = ChainWalk()
        var after: Int64 = 0
        func report(_ verification: AuditVerification, broken: (Int64, String)?) -> FleetChainReport {
            FleetChainReport(
                hostID: hostID, checked: verification.checked, headSeq: verification.headSeq, cosignedSize: cosigned?.size,
                intact: broken == nil, firstBrokenSeq: broken?.0, reason: broken?.1, alerts: alerts)
        }
        // The head is read first: records a shipment adds meanwhile lie beyond it and wait for the next verification,
        // instead of reading as a chain that runs past its cosigned head.
        let end = cosigned?.size ?? .max
        while after < end {
            let page = try await records(hostID: hostID, afterSeq: after, limit: 5000)
            for record in page where record.seq <= end {
                if let broken = walk.add(record), let first = broken.firstBroken { return report(broken, broken: (first.seq, first.reason)) }
            }
            guard let last = page.last else { break }
            after = last.seq
        }
        let done = walk.result
        if let cosigned, (done.headSeq ?? 0) != cosigned.size || walk.head != cosigned.head {
            let have = done.headSeq ?? 0
            let reason =
                have < cosigned.size
                ? "records \(have + 1)…\(cosigned.size) are cosigned but missing from the database"
                : "the stored chain does not end at the cosigned head (size \(cosigned.size))"
            return report(done, broken: (min(have + 1, cosigned.size), reason))
        }
        return report(done, broken: nil)
    }

    /// Keeps an auditor request (allowed or refused) in `access_log`.
    public func logAccess(person: Principal?, action: String, params: JSONValue, allowed: Bool, outcome: String) async throws {
        let json = String(decoding: JSONWriter.bytes(params), as: UTF8.self)
        _ = try await client.query(
            """
            INSERT INTO access_log (subject, email, action, params, allowed, outcome)
            VALUES (\(person?.subject), \(person?.email), \(action), \(json)::jsonb, \(allowed), \(outcome))
            """, logger: logger)
    }
}

/// A refused shipment or other event raised for auditors.
public struct FleetAlert: Sendable, Codable, Equatable {
    /// Its number.
    public var id: Int64
    /// When it was raised (RFC 3339 UTC).
    public var at: String
    /// The host concerned.
    public var hostID: String
    /// `fork`, `rollback`, `rewrite`, `bad_signature`, …
    public var kind: String
    /// What happened.
    public var message: String
}
