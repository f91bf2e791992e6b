import GatehouseCore
import GatehouseRPC

/// How `job.watch`, `batch.watch` and `cluster.watch` stream a record: a `<noun>.state` notification now
/// and at each change of state or detail, until the record is final or the caller hangs up.
struct StateWatch<Record: Sendable>: Sendable {
    /// The notification's method, e.g. `job.state`.
    let method: String
    let notification: @Sendable (Record) -> JSONValue
    /// Whether a record differs from the last one notified enough to notify again.
    let changed: @Sendable (_ last: Record, _ next: Record) -> Bool
    let isFinal: @Sendable (Record) -> Bool

    /// Notifies `current` and every change from `updates`; the final record, or nil when the caller hung
    /// up or the updates ended first. Subscribe to `updates` before reading `current`, so no change between
    /// the read and the first wait is missed.
    func follow(from current: Record, updates: AsyncStream<Record>, notifier: RPCNotifier) async -> Record? {
        notifier.notify(method: method, params: notification(current))
        if isFinal(current) { return current }
        let following = Task {
            var last = current
            for await record in updates where changed(last, record) {
                last = record
                notifier.notify(method: method, params: notification(record))
                if isFinal(record) { return Optional(record) }
            }
            return nil
        }
        // A caller that hangs up ends the watch. Not a child task: waiting for the close cannot be
        // cancelled, so it outlives the watch until the connection closes, holding nothing else.
        Task {
            await notifier.waitUntilDisconnected()
            following.cancel()
        }
        return await withTaskCancellationHandler {
            await following.value
        } onCancel: {
            following.cancel()
        }
    }
}
