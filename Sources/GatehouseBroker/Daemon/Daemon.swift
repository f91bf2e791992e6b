import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseHTTP
import GatehouseRPC
import GatehouseStore
import Logging
import ServiceLifecycle
import Synchronization
import GatehouseOversight
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
        let durability = Durability(rawValue: config.string("store.durability") ?? "normal") ?? .normal
        try BrokerPaths.checkDatabaseFile(BrokerPaths.database(config))
        store = try Store(path: BrokerPaths.database(config), options: StoreOptions(durability: durability, maxBatch: config.int("store.max_batch") ?? 512))
        let audit = AuditLog(store: store)
        let startedAt = Date()
        let context = try BrokerContext(config: config, store: store, audit: audit, logger: logger)
        let components = try Self.makeComponents(context)
        self.components = components

        let registryBox = Mutex(MethodRegistry())
        var registry = MethodRegistry()
        registry.register(SystemMethods.all(
            store: store, startedAt: startedAt, components: components, methods: { registryBox.withLock { $0.catalog } }))
        registry.register(AuditMethods.all(store: store))
        components.forEach { registry.register($0.methods) }
        registry.register(SystemMethods.discover { registryBox.withLock { OpenRPCDocument.make($0, serverVersion: GatehouseVersion.current) } })
        registry.describe(SystemMethods.answers + AuditMethods.answers)
        components.forEach {
            registry.describe($0.answers)
            registry.describe(notifications: $0.notifications)
        }
        registryBox.withLock { $0 = registry }

        var rpc = RPCServerConfiguration(socketPath: BrokerPaths.socket(config))
        rpc.maxFrameBytes = config.int("rpc.max_frame_bytes") ?? rpc.maxFrameBytes
        rpc.maxBatch = config.int("rpc.max_batch") ?? rpc.maxBatch
        rpc.maxConnections = config.int("rpc.max_connections") ?? rpc.maxConnections
        rpc.idleTimeout = .seconds(config.int("rpc.idle_timeout_seconds") ?? 300)
        rpc.maxUnsentAnswers = config.int("rpc.max_unsent_answers") ?? rpc.maxUnsentAnswers
        rpc.maxUnsentBytes = config.int("rpc.max_unsent_bytes") ?? rpc.maxUnsentBytes
        rpc.allowedUIDs = Set(config.list("rpc.allowed_uids").compactMap { UInt32($0) })
        rpc.threads = config.int("rpc.threads") ?? rpc.threads
        rpc.shutdownGrace = .seconds(config.int("rpc.shutdown_grace_seconds") ?? 10)
        // Every record says what kind of caller asked, from kernel facts (issue 7), not just approvals.
        var observer = AuditObserver(audit: audit, logger: logger)
        if let classifier = components.lazy.compactMap({ $0 as? OversightComponent }).first?.classifier {
            observer.classify = { peer in classifier.classify(peer).name }
        }
        // The test suite records every answer to check it against the rpc.discover schemas.
        let recorder: (any CallObserver)? = AnswerRecorder.fromEnvironment(wrapping: observer)
        server = RPCServer(configuration: rpc, registry: registry, observer: recorder ?? observer, logger: logger)
    }

    /// Serves until SIGTERM/SIGINT; returns after a clean shutdown.
    ///
    /// The services run under swift-service-lifecycle's `ServiceGroup`, which shuts them down in
    /// reverse order on a signal: first the socket (stop accepting, let calls in flight finish and
    /// their audit records commit), then the components' background work; the store closes last.
    public func run() async throws {
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ComponentsService(components: components)),
            .init(service: SocketService(server: server, logger: logger, announce: [
                "socket": "\(BrokerPaths.socket(config))", "database": "\(store.path)", "pid": "\(getpid())",
            ])),
        ]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
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
