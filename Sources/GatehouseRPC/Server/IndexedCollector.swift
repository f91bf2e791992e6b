import Synchronization

/// Values for positions `0..<count` that arrive one at a time, in any order and from any thread;
/// the one that completes the set gets them all, in position order.
///
/// Serves both fan-ins of the request path: a batch frame's answers, and one group commit's
/// audit outcomes coming back from the store's writer.
final class IndexedCollector<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value]
        var remaining: Int
    }

    private let state: Mutex<State>

    /// Expects `count` values; `placeholder` fills the positions not yet set.
    init(count: Int, placeholder: Value) {
        state = Mutex(State(values: Array(repeating: placeholder, count: count), remaining: count))
    }

    /// Stores the value for `index`; every value, in order, if it was the last one missing, else nil.
    func set(_ index: Int, _ value: Value) -> [Value]? {
        state.withLock { state in
            state.values[index] = value
            state.remaining -= 1
            return state.remaining == 0 ? state.values : nil
        }
    }
}
