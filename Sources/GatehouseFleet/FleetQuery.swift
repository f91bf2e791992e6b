import Foundation
import GatehouseAudit

/// An auditor's question to the collector: filters over every host's records, paged by cursor.
public struct FleetQuery: Sendable, Codable, Equatable {
    /// From this time (RFC 3339), inclusive.
    public var since: String?
    /// Before this time (RFC 3339), exclusive.
    public var until: String?
    /// Only this principal.
    public var principal: String?
    /// Only this host id.
    public var host: String?
    /// Only this method.
    public var method: String?
    /// Only this entity ref.
    public var entity: String?
    /// allow, deny, pending or none.
    public var decision: String?
    /// ok or error.
    public var outcome: String?
    /// Where the previous page ended (`nextCursor`).
    public var cursor: String?
    /// Page size, 1…1000.
    public var limit: Int?

    /// An empty query (everything, oldest first).
    public init() {}

    /// The largest page.
    public static let maxLimit = 1000

    /// The query as URL query items, for `GET /v1/records`.
    public var queryItems: [(String, String)] {
        [
            ("since", since), ("until", until), ("principal", principal), ("host", host), ("method", method), ("entity", entity),
            ("decision", decision), ("outcome", outcome), ("cursor", cursor), ("limit", limit.map(String.init)),
        ]
        .compactMap { name, value in value.map { (name, $0) } }
    }
}

/// One record as auditors see it: the host it came from and the record.
public struct FleetRecord: Sendable, Codable, Equatable {
    /// The host id.
    public var hostID: String
    /// The record, as stored on the host.
    public var record: AuditRecord

    /// A record of `hostID`.
    public init(hostID: String, record: AuditRecord) {
        self.hostID = hostID
        self.record = record
    }
}

/// A page of an auditor query.
public struct FleetRecordPage: Sendable, Codable, Equatable {
    /// The records, oldest first.
    public var records: [FleetRecord]
    /// Pass as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    /// A page.
    public init(records: [FleetRecord], nextCursor: String?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}

/// The collector's re-verification of one host's whole stored chain.
public struct FleetChainReport: Sendable, Codable, Equatable {
    /// The host.
    public var hostID: String
    /// Records walked.
    public var checked: Int64
    /// The last stored seq.
    public var headSeq: Int64?
    /// The last cosigned size.
    public var cosignedSize: Int64?
    /// Whether every stored record fits the chain and the chain ends at the cosigned head.
    public var intact: Bool
    /// The first record that does not fit, if any.
    public var firstBrokenSeq: Int64?
    /// Why.
    public var reason: String?
    /// Refused shipments kept for this host.
    public var alerts: Int

    /// A report.
    public init(
        hostID: String, checked: Int64, headSeq: Int64?, cosignedSize: Int64?, intact: Bool, firstBrokenSeq: Int64?, reason: String?, alerts: Int
    ) {
        self.hostID = hostID
        self.checked = checked
        self.headSeq = headSeq
        self.cosignedSize = cosignedSize
        self.intact = intact
        self.firstBrokenSeq = firstBrokenSeq
        self.reason = reason
        self.alerts = alerts
    }
}
