import Foundation
import GatehouseCore

/// One state a Dataproc resource (job, cluster, operation) entered, and when.
struct StatusEntry {
    var state: String
    var start: Date

    /// `{state, stateStartTime}` as every Dataproc status object carries them.
    var json: [String: JSONValue] { ["state": .string(state), "stateStartTime": .string(GoogleTime.timestamp(start))] }
}
