import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP

/// One upstream request that must reach Dataproc exactly once for a local record (a job today,
/// a cluster later). Safe to repeat: its body carries a `requestId` derived from the record id,
/// or it acts on an id Gatehouse chose.
public struct OutboxEntry: Sendable, Equatable {
    /// Where an entry is in its life.
    public enum State: String, Sendable, Codable {
        /// Waits for a person's approval; never sent in this state.
        case held
        /// To be sent (again).
        case pending
        /// Dataproc accepted it.
        case delivered
        /// Dataproc refused it for good (400, 403, 404).
        case rejected
        /// Withdrawn before it was sent.
        case cancelled
    }

    /// Row id; also the sending order.
    public var id: Int64
    /// What the request does, e.g. `job.submit`; picks the handler that updates the record.
    public var kind: String
    /// The local record, e.g. the job id.
    public var recordID: String
    /// The idempotency key sent upstream.
    public var requestID: String
    public var method: HTTPMethod
    /// Relative to the Dataproc root, e.g. `v1/projects/p/regions/r/jobs:submit`.
    public var path: String
    public var body: JSONValue?
    public var state: State
    /// Attempts made so far.
    public var attempts: Int
    /// Why the last attempt failed, for people (`job.status` shows it).
    public var lastError: String?

    init(row: Row) {
        id = row["id"]
        kind = row["kind"]
        recordID = row["record_id"]
        requestID = row["request_id"]
        method = HTTPMethod(rawValue: row["method"]) ?? .POST
        path = row["path"]
        let text: String? = row["body"]
        body = text.flatMap { try? JSONParser.parse($0.utf8) }
        state = State(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        lastError = row["last_error"]
    }
}

/// A request to put in the outbox.
public struct OutboxRequest: Sendable {
    public var kind: String
    public var recordID: String
    public var requestID: String
    public var method: HTTPMethod
    public var path: String
    public var body: JSONValue?

    /// A request for `recordID`; `requestID` defaults to the one derived from the record id.
    public init(kind: String, recordID: String, requestID: String? = nil, method: HTTPMethod, path: String, body: JSONValue? = nil) {
        self.kind = kind
        self.recordID = recordID
        self.requestID = requestID ?? RequestID.derive(from: recordID)
        self.method = method
        self.path = path
        self.body = body
    }
}

/// Dataproc's `requestId`: at most 40 of `[a-zA-Z0-9_-]`, the same for every attempt of one record.
public enum RequestID {
    /// The record id itself when it fits (Gatehouse's ids do), else a stable hash of it.
    public static func derive(from recordID: String) -> String {
        if isValid(recordID) { return recordID }
        return "gh-" + String(Redaction.fingerprint(recordID).filter { $0.isLetter || $0.isNumber }.prefix(37))
    }

    /// Whether `text` is usable as a `requestId` as it is (checked byte by byte: this runs on every submission).
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...40).contains(bytes.count)
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}
