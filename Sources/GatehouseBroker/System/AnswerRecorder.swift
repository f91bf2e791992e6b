import Foundation
import GatehouseCore
import GatehousePeer
import GatehouseRPC
import Glibc

/// For the test suite only: appends every answer (method, result or error code and reason) as a JSON
/// line to the file named by `GATEHOUSE_RECORD_ANSWERS_FILE`, so `scripts/openrpc/check.py` can check real
/// answers against the `rpc.discover` schemas. Secrets are redacted by name, as in the audit log.
struct AnswerRecorder<Inner: CallObserver>: CallObserver {
    let inner: Inner
    /// Open for the daemon's lifetime; each line is one write(2) with O_APPEND, so lines stay whole.
    private let fd: Int32

    /// The recorder the environment asks for, or nil (the normal case).
    static func fromEnvironment(wrapping inner: Inner) -> AnswerRecorder? {
        guard let path = ProcessInfo.processInfo.environment["GATEHOUSE_RECORD_ANSWERS_FILE"], !path.isEmpty else { return nil }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        return AnswerRecorder(inner: inner, fd: fd)
    }

    private init(inner: Inner, fd: Int32) {
        self.inner = inner
        self.fd = fd
    }

    func record(_ call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        write(call)
        inner.record(call, done: done)
    }

    func record(batch: [PendingRecord]) {
        batch.forEach { write($0.call) }
        inner.record(batch: batch)
    }

    func refused(peer: PeerCredentials, reason: String) { inner.refused(peer: peer, reason: reason) }

    private func write(_ call: CompletedCall) {
        var line: [String: JSONValue] = ["method": .string(call.method)]
        switch call.outcome {
        case .success(let result): line["result"] = Redaction.redact(result)
        case .failure(let error): line["error"] = ["code": .int(Int64(error.code)), "reason": error.reason.map(JSONValue.string) ?? .null]
        }
        var bytes = JSONWriter.bytes(.object(line), sortedKeys: true)
        bytes.append(UInt8(ascii: "\n"))
        // O_APPEND keeps each line whole even with several daemons appending to one file.
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}
