import Foundation
import GatehouseCore
import Synchronization

/// Looker's own record of every query it ran, as System Activity's `history` view shows it
/// (model `system__activity`): who ran which query, when, from where, how it ended.
final class LookerHistory: Sendable {
    /// One query run.
    struct Entry: Sendable {
        var id: Int
        var createdAt: Date
        var source: String
        var status: String
        var queryId: String
        var slug: String
        var model: String
        var view: String
        var userId: String
        var userName: String
        var userEmail: String
    }

    /// The `history` view's fields, as `run_inline_query` on `system__activity` selects them.
    static let fields = [
        "history.id", "history.created_time", "history.completed_time", "history.source", "history.status", "history.runtime",
        "history.result_source", "query.id", "query.slug", "query.model", "query.view", "user.id", "user.name", "user.email",
    ]

    private let entries = Mutex<[Entry]>([])
    /// At most this many runs are kept, oldest dropped first (Looker truncates history too).
    private let limit = 10_000

    /// Records a run and returns its history id.
    @discardableResult
    func record(_ entry: Entry) -> Int {
        entries.withLock { entries in
            var entry = entry
            entry.id = (entries.last?.id ?? 0) + 1
            entries.append(entry)
            if entries.count > limit { entries.removeFirst(entries.count - limit) }
            return entry.id
        }
    }

    /// Every run, newest first, as rows keyed by the `history` view's field names.
    func rows() -> [[String: JSONValue]] {
        entries.withLock { $0 }.reversed().map { entry in
            let time = LookerTime.plain(entry.createdAt)
            return [
                "history.id": .int(Int64(entry.id)), "history.created_time": .string(time), "history.completed_time": .string(time),
                "history.source": .string(entry.source), "history.status": .string(entry.status), "history.runtime": .double(0.01),
                "history.result_source": "query",
                "query.id": .string(entry.queryId), "query.slug": .string(entry.slug), "query.model": .string(entry.model),
                "query.view": .string(entry.view), "user.id": .string(entry.userId), "user.name": .string(entry.userName),
                "user.email": .string(entry.userEmail),
            ]
        }
    }
}
