import Synchronization

/// The faults currently set, per upstream; thread-safe, consumed request by request.
public final class FaultBoard: Sendable {
    private let faults = Mutex<[SandboxUpstream: [SandboxFault.Kind: SandboxFault]]>([:])

    /// An empty board.
    public init() {}

    /// Sets (or replaces) a fault of that kind on `upstream`.
    public func set(_ fault: SandboxFault, on upstream: SandboxUpstream) {
        faults.withLock { $0[upstream, default: [:]][fault.kind] = fault }
    }

    /// Clears one kind, or every fault of `upstream` when `kind` is nil.
    public func clear(_ upstream: SandboxUpstream, kind: SandboxFault.Kind? = nil) {
        faults.withLock { faults in
            if let kind { faults[upstream]?[kind] = nil } else { faults[upstream] = nil }
        }
    }

    /// Clears every fault everywhere.
    public func clearAll() { faults.withLock { $0.removeAll() } }

    /// The faults set on `upstream`, in a stable order.
    public func active(on upstream: SandboxUpstream) -> [SandboxFault] {
        faults.withLock { faults in
            SandboxFault.Kind.allCases.compactMap { faults[upstream]?[$0] }
        }
    }

    /// The fault of `kind` on `upstream` without using it up.
    public func peek(_ kind: SandboxFault.Kind, on upstream: SandboxUpstream) -> SandboxFault? {
        faults.withLock { $0[upstream]?[kind] }
    }

    /// Uses up one request's worth of the fault if it is set and `applies` to it.
    func consume(_ kind: SandboxFault.Kind, on upstream: SandboxUpstream, where applies: (SandboxFault) -> Bool = { _ in true }) -> SandboxFault? {
        faults.withLock { faults in
            guard let fault = faults[upstream]?[kind], applies(fault) else { return nil }
            if let remaining = fault.remaining {
                if remaining <= 1 {
                    faults[upstream]?[kind] = nil
                } else {
                    var left = fault
                    left.count = remaining - 1
                    faults[upstream]?[kind] = left
                }
                if remaining == 0 { return nil }
            }
            return fault
        }
    }
}
