import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseOversight
import GatehouseRPC
import GatehouseStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `gatehouse serve`: opens the store, registers every module's methods and serves the socket
/// until SIGTERM or SIGINT, then shuts down in order (stop accepting, finish in-flight, flush audit).
public final class Daemon: Sendable {
    /// The resolved configuration.
    public let config: Config
    private let logger: Logger
    private let store: Store
    private let server: RPCServer
    private let components: [any BrokerComponent]

    /// Opens the database and prepares the server; nothing listens until `run()`.
    public init(config: Config, logger: Logger) throws {
        self.config = config
        self.logger = logger
        try BrokerPaths.checkDatabaseFile(BrokerPaths.database(config))
        let storeOptions = StoreOptions(durability: config[ConfigKeys.Foundation.durability], maxBatch: config[ConfigKeys.Foundation.storeMaxBatch])
        store = try Store(path: BrokerPaths.database(config), options: storeOptions)
        let audit = AuditLog(store: store)
        let startedAt = Date()
        let context = try BrokerContext(config: config, store: store, audit: audit, logger: logger)
        let components = try Self.makeComponents(context)
        self.components = components

        let registryBox = Mutex(MethodRegistry())
        var registry = MethodRegistry()
        registry.register(
            SystemMethods.all(
                store: store, startedAt: startedAt, components: components, methods: { registryBox.withLock { $0.catalog } }))
        registry.register(
            AuditMethods.all(
                store: store, collector: config[ConfigKeys.Fleet.collectorURL].map { CollectorClient(baseURL: $0, http: context.http) }))
        components.forEach { registry.register($0.methods) }
        registry.register(SystemMethods.discover { registryBox.withLock { OpenRPCDocument.make($0, serverVersion: GatehouseVersion.current) } })
        registry.describe(SystemMethods.answers + AuditMethods.answers)
        components.forEach {
            registry.describe($0.answers)
            registry.describe(notifications: $0.notifications)
        }
        registryBox.withLock { $0 = registry }

        let rpc = Self.serverConfiguration(config)
        // Every record says what kind of caller asked, from kernel facts, not just approvals.
        var observer = AuditObserver(audit: audit, databasePath: store.path, logger: logger)
        if let classifier = components.lazy.compactMap({ $0 as? OversightComponent }).first?.classifier {
            observer.classify = { peer in classifier.classify(peer).name }
        }
        // The test suite records every answer to check it against the rpc.discover schemas.
        let recorder: (any CallObserver)? = AnswerRecorder.fromEnvironment(wrapping: observer)
        server = RPCServer(configuration: rpc, registry: registry, observer: recorder ?? observer, logger: logger)
    }

    /// The `rpc.*` settings as the socket server takes them.
    static func serverConfiguration(_ config: Config) -> RPCServerConfiguration {
        typealias Keys = ConfigKeys.Foundation
        var rpc = RPCServerConfiguration(socketPath: BrokerPaths.socket(config))
        rpc.maxFrameBytes = config[Keys.maxFrameBytes]
        rpc.maxBatch = config[Keys.maxBatch]
        rpc.maxConnections = config[Keys.maxConnections]
        rpc.idleTimeout = config[Keys.idleTimeout]
        rpc.maxUnsentAnswers = config[Keys.maxUnsentAnswers]
        rpc.maxUnsentBytes = config[Keys.maxUnsentBytes]
        rpc.allowedUIDs = Set(config[Keys.allowedUIDs].compactMap { UInt32(exactly: $0) })
        rpc.threads = config[Keys.threads]
        rpc.shutdownGrace = config[Keys.shutdownGrace]
        return rpc
    }

    /// Serves until SIGTERM/SIGINT; returns after a clean shutdown.
    ///
    /// The services run under swift-service-lifecycle's `ServiceGroup`, which shuts them down in
    /// reverse order on a signal: first the socket (stop accepting, let calls in flight finish and
    /// their audit records commit), then the components' background work; the store closes last.
    public func run() async throws {
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ComponentsService(components: components)),
            .init(
                service: SocketService(
                    server: server, logger: logger,
                    announce: [
                        "socket": "\(BrokerPaths.socket(config))", "database": "\(store.path)", "pid": "\(getpid())",
                    ])),
        ]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { store.close() }
        try await group.run()
        logger.notice("stopped cleanly")
    }
}

/// The JSON-RPC socket as a service: listens until shutdown is asked for, then drains.
struct SocketService: Service {
    let server: RPCServer
    let logger: Logger
    let announce: Logger.Metadata

    func run() async throws {
        try await server.start()
        logger.notice("gatehouse \(GatehouseVersion.current) serving", metadata: announce)
        // Returns when a signal asks for a graceful shutdown (or the group is cancelled).
        try? await gracefulShutdown()
        logger.notice("shutting down")
        await server.shutdown()
    }
}

/// Every component's background work (syncs, senders, trackers, expiry loops), cancelled at shutdown.
struct ComponentsService: Service {
    let components: [any BrokerComponent]

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for component in components { group.addTask { await component.run() } }
            }
        }
    }
}
