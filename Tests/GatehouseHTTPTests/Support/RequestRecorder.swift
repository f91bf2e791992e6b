import Foundation
import Synchronization

/// What the scripted server saw: one entry per request, with when it arrived.
final class RequestRecorder: Sendable {
    struct Entry: Sendable {
        let at: ContinuousClock.Instant
        let headers: [String: String]
        let body: String
    }

    private let entries = Mutex<[Entry]>([])

    /// Records a request and returns how many came before it (0 for the first).
    @discardableResult
    func record(headers: [String: String] = [:], body: String = "") -> Int {
        entries.withLock { entries in
            entries.append(Entry(at: .now, headers: headers, body: body))
            return entries.count - 1
        }
    }

    var count: Int { entries.withLock { $0.count } }
    var all: [Entry] { entries.withLock { $0 } }
    var timestamps: [ContinuousClock.Instant] { all.map(\.at) }
}
