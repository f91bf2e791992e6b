import Foundation
import GatehouseCore
import GatehouseFleet
import GatehouseIdentity
import GatehouseRPC
import Logging
import Synchronization

/// Ships this host's audit chain to the fleet collector in the background (`fleet.collector_url`).
/// Nothing that answers a request waits for it; its lag is in `system.status` under `fleet`.
public final class FleetComponent: BrokerComponent {
    private let context: BrokerContext
    private let collectorURL: String?
    private let batchSize: Int
    private let retention: TimeInterval?
    private let idToken: @Sendable () async throws -> String
    private let shipper = Mutex<FleetShipper?>(nil)
    private let startError = Mutex<String?>(nil)

    /// Builds the component; `identity` gives the ID token the host registers with.
    public init(context: BrokerContext, identity: IdentityService?) {
        self.context = context
        collectorURL = context.config[ConfigKeys.Fleet.collectorURL]
        batchSize = context.config[ConfigKeys.Fleet.batchSize]
        retention = ConfigKeys.Audit.retention(context.config)
        idToken = {
            guard let identity else {
                throw IdentityError.notConfigured("identity.issuer is not set, so this host cannot register with the fleet collector")
            }
            return try await identity.accessToken(for: .idToken).value
        }
    }

    public var statusKey: String { "fleet" }
    public var methods: [RPCMethod] {
        FleetMethods(collector: collectorURL.map { CollectorClient(baseURL: $0, http: context.http) }, idToken: idToken).all
    }

    /// Makes (first start) or opens the host key, then ships until cancelled; with retention, prunes
    /// what the collector has cosigned after each shipment and periodically.
    public func run() async {
        guard let collectorURL else { return }
        let made: FleetShipper
        let (cosigned, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        do {
            let sealer = Sealer(key: try context.sealingKey.load())
            let identity = try await HostIdentity.loadOrCreate(store: context.store, sealer: sealer)
            made = FleetShipper(
                identity: identity, store: context.store, client: CollectorClient(baseURL: collectorURL, http: context.http),
                batchSize: batchSize, idToken: idToken, logger: context.logger, onCosigned: { wake.yield() })
        } catch {
            context.logger.error("fleet shipping cannot start", metadata: ["error": "\(error)"])
            startError.withLock { $0 = "\(error)" }
            return
        }
        shipper.withLock { $0 = made }
        guard let retention else { return await made.run() }
        let pruning = LocalRetention(store: context.store, retention: retention)
        // Pruning is due at most a fraction of the retention after it was last checked (1 s to 10 min).
        let every = Duration.milliseconds(Int64(min(600, max(1, retention / 4)) * 1000))
        async let shipping: Void = made.run()
        async let pruned: Void = pruning.run(wakeups: cosigned, every: every, logger: context.logger)
        _ = await (shipping, pruned)
    }

    /// The collector, this host's id and the lag (records and seconds not yet cosigned).
    public func status() async -> [String: JSONValue] {
        guard let collectorURL else { return ["enabled": .bool(false)] }
        var out: [String: JSONValue] = ["enabled": .bool(true), "collector": .string(collectorURL)]
        if let error = startError.withLock({ $0 }) { out["lastError"] = .string(error) }
        guard let shipper = shipper.withLock({ $0 }), let lag = try? await shipper.lag() else { return out }
        out["hostId"] = .string(lag.hostID)
        out["shippedSeq"] = .int(lag.shippedSeq)
        out["lagRecords"] = .int(lag.records)
        out["lagSeconds"] = .double(lag.seconds)
        out["failures"] = .int(Int64(lag.failures))
        if let retention { out["retentionDays"] = .double(retention / 86_400) }
        if let error = lag.lastError { out["lastError"] = .string(error) }
        return out
    }
}
