import Foundation
import GatehouseAudit
import GatehouseCore
import GatehousePeer
import GatehouseRPC
import GatehouseStore
import Logging

/// Connects the RPC server to the audit log: every call is recorded, with any state change the
/// handler attached, before its response is released. No record, no answer.
struct AuditObserver: CallObserver {
    let audit: AuditLog
    /// The database file, named when the disk holding it is full.
    let databasePath: String
    let logger: Logger
    /// The caller's class (interactive, automation, a named class) for calls that did not set one.
    var classify: (@Sendable (PeerCredentials) -> String)? = nil

    func record(_ call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        record(batch: [PendingRecord(call: call, done: done)])
    }

    func record(batch: [PendingRecord]) {
        let appends = batch.map { pending in
            var draft = Self.entry(for: pending.call)
            if draft.callerClass == nil, let classify { draft.callerClass = classify(pending.call.peer) }
            let entry = draft
            let change = pending.call.annotations.stateChange
            return AuditLog.Append(entry, alongside: change) { result in
                outcome(of: result, entry: entry, changed: change != nil, method: pending.call.method, done: pending.done)
            }
        }
        // Inline when the writer is idle: the RPC thread commits its own turn's records.
        audit.append(appends, inlineWhenIdle: true)
    }

    private func outcome(
        of result: Result<Int64, any Error>, entry: AuditEntry, changed: Bool, method: String,
        done: @escaping @Sendable (Result<Void, RPCError>) -> Void
    ) {
        switch result {
        case .success:
            done(.success(()))
        case .failure(let error) where changed:
            // The state change failed, so neither it nor its record was kept: record the failure instead.
            logger.error("state change failed", metadata: ["method": "\(method)", "error": "\(error)"])
            var failed = entry
            failed.outcome = .error
            failed.errorReason = "state_change_failed"
            let full = DiskSpace.isFull(error)
            audit.append(failed) { second in
                if full { return done(.failure(diskFull())) }
                done(.failure(second.isSuccess ? .internalError(reason: "state_change_failed") : Self.unavailable))
            }
        case .failure(let error) where DiskSpace.isFull(error):
            logger.critical("the disk holding the database is full; refusing to answer", metadata: ["path": "\(databasePath)"])
            done(.failure(diskFull()))
        case .failure(let error):
            logger.critical("audit write failed; refusing to answer", metadata: ["error": "\(error)"])
            done(.failure(Self.unavailable))
        }
    }

    /// `disk_full`: nothing of the call was carried out or recorded, so it is safe to retry once space is freed.
    private func diskFull() -> RPCError {
        let free = DiskSpace.measure(databasePath)?.freeBytes
        return RPCError(
            .upstreamUnavailable, reason: "disk_full",
            message: "The disk holding \(databasePath) is full\(free.map { " (\($0) bytes free)" } ?? ""), so the request was not carried out "
                + "and nothing was recorded; free some space and try again",
            extra: ["path": .string(databasePath), "freeBytes": free.map { .int($0) } ?? .null])
    }

    func refused(peer: PeerCredentials, reason: String) {
        let entry = AuditEntry(
            peer: Self.peer(peer), method: "rpc.connection_refused", decision: .deny, outcome: .error, errorReason: reason)
        audit.append(entry) { result in
            if case .failure(let error) = result {
                logger.critical("audit write failed for a refused connection", metadata: ["error": "\(error)"])
            }
        }
    }

    static let unavailable = RPCError(
        .upstreamUnavailable, reason: "audit_unavailable",
        message: "The audit log could not be written, so the request was not carried out")

    static func entry(for call: CompletedCall) -> AuditEntry {
        let fields = call.annotations
        var errorReason: String?
        var outcome = AuditOutcome.ok
        if case .failure(let error) = call.outcome {
            outcome = .error
            errorReason = error.reason ?? "code_\(error.code)"
        }
        return AuditEntry(
            at: call.startedAt,
            requestID: call.id?.canonicalText,
            peer: peer(call.peer),
            callerClass: fields.callerClass,
            principal: fields.principal,
            method: call.method,
            entity: fields.entity,
            params: call.params ?? .null,
            decision: fields.decision.flatMap(AuditDecision.init(rawValue:)) ?? .none,
            rule: fields.rule,
            outcome: outcome,
            errorReason: errorReason,
            detail: fields.detail.isEmpty ? nil : .object(fields.detail),
            durationMicros: call.durationMicros)
    }

    static func peer(_ peer: PeerCredentials) -> AuditPeer {
        AuditPeer(uid: peer.uid, gid: peer.gid, pid: peer.pid, executable: peer.executable)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
