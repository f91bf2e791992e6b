import Foundation
import GatehouseStore

/// The polling loop the job and batch trackers share: checks whatever is due, `concurrency` at a time,
/// and otherwise sleeps until the next check is due or the doorbell rings.
struct PollLoop<Item: Sendable>: Sendable {
    let settings: JobTracker.Settings
    let doorbell: Doorbell
    /// Items due by `now` (seconds since 1970), with the interval each was last scheduled with.
    let due: @Sendable (_ now: TimeInterval) async throws -> [(Item, TimeInterval)]
    /// When the next check is due, if any is scheduled.
    let earliest: @Sendable () async throws -> TimeInterval?
    /// One check of an item, which schedules its next one.
    let check: @Sendable (Item, TimeInterval) async -> Void

    /// Polls until cancelled.
    func run() async {
        while !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let items = (try? await due(now)) ?? []
            if items.isEmpty {
                let next = (try? await earliest()) ?? nil
                let wait = next.map { min(max($0 - now, 0.001), settings.maxInterval) } ?? settings.maxInterval
                await doorbell.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                var iterator = items.makeIterator()
                var running = 0
                while running < settings.concurrency, let (item, interval) = iterator.next() {
                    group.addTask { await check(item, interval) }
                    running += 1
                }
                while await group.next() != nil {
                    if let (item, interval) = iterator.next() { group.addTask { await check(item, interval) } }
                }
            }
        }
    }
}

extension JobTracker.Settings {
    /// The pause before the next check: the shortest after a change, else doubling up to the longest.
    func nextInterval(after interval: TimeInterval, changed: Bool) -> TimeInterval {
        changed ? minInterval : min(maxInterval, max(minInterval, interval * 2))
    }
}
