import Foundation
import GatehouseHTTP
import GatehouseIdentity
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Where the collector listens and which database it serves.
public struct CollectorConfiguration: Sendable {
    /// The listening address (loopback by default: put TLS in front for a fleet).
    public var host = "127.0.0.1"
    /// The listening port (0: any free one).
    public var port = 8443
    /// The PostgreSQL server.
    public var postgres: PostgresClient.Configuration
    /// The witness key file (made at first start) and its name on cosignatures.
    public var witnessKeyPath: String
    /// The witness name.
    public var witnessName = "gatehouse-collector"
    /// The IdP whose ID tokens hosts register with (issuer and the daemons' client id); nil: no registration.
    public var identity: IdentityConfiguration?
    /// ID-token groups whose members may query records, alerts and verify chains.
    public var auditorGroups: Set<String> = []

    /// A configuration for `postgres` with the witness key at `witnessKeyPath`.
    public init(postgres: PostgresClient.Configuration, witnessKeyPath: String) {
        self.postgres = postgres
        self.witnessKeyPath = witnessKeyPath
    }
}

/// A running collector: the PostgreSQL pool and the HTTP listener, stopped together.
public final class Collector: Sendable {
    /// The bound port.
    public let port: Int
    /// The store, for tests and tools in the same process.
    public let store: CollectorStore
    /// The witness.
    public let witness: Witness
    private let task: Task<Void, Never>
    /// Runs the HTTP listener; stopped by graceful shutdown, never by cancelling it: NIO traps when a
    /// cancelled server drops a connection it accepted but had not handed over yet (swift-nio#2637).
    private let listener: ServiceGroup
    private let serverTask: Task<Result<Void, any Error>, Never>

    private init(
        port: Int, store: CollectorStore, witness: Witness, task: Task<Void, Never>, listener: ServiceGroup,
        serverTask: Task<Result<Void, any Error>, Never>
    ) {
        self.port = port
        self.store = store
        self.witness = witness
        self.task = task
        self.listener = listener
        self.serverTask = serverTask
    }

    /// Connects, migrates, starts listening; returns once the port is bound.
    public static func start(_ configuration: CollectorConfiguration, logger: Logger) async throws -> Collector {
        let witness = try Witness.load(path: configuration.witnessKeyPath, name: configuration.witnessName)
        let client = PostgresClient(configuration: configuration.postgres, backgroundLogger: logger)
        let clientTask = Task { await client.run() }
        let store = CollectorStore(client: client, logger: logger)
        do {
            try await store.migrate()
        } catch {
            clientTask.cancel()
            throw error
        }
        let http = HTTPClient()
        let authority = configuration.identity.map { IDTokenAuthority(configuration: $0, http: http) }
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: CollectorAPI(store: store, witness: witness, authority: authority, auditorGroups: configuration.auditorGroups).router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let listener = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let serverTask = Task<Result<Void, any Error>, Never> {
            defer { continuation.finish() }
            do { try await listener.run() } catch { return .failure(error) }
            return .success(())
        }
        var port: Int?
        for await value in bound {
            port = value
            break
        }
        guard let port else {
            clientTask.cancel()
            http.shutdown()
            if case .failure(let error) = await serverTask.value { throw error }
            throw CollectorError.badRequest("the HTTP listener did not start")
        }
        // The listener ends first (graceful shutdown), then the pool.
        let task = Task {
            _ = await serverTask.value
            clientTask.cancel()
            await clientTask.value
            http.shutdown()
        }
        return Collector(port: port, store: store, witness: witness, task: task, listener: listener, serverTask: serverTask)
    }

    /// Stops listening and closes the pool; returns once both have stopped. Graceful shutdown first
    /// (the listening socket closes, accepted connections are handed over), then open connections are
    /// closed at once, as a stopping process would.
    public func stop() async {
        await listener.triggerGracefulShutdown()
        try? await Task.sleep(for: .milliseconds(50))
        serverTask.cancel()
        await task.value
    }

    /// Runs until the calling task is cancelled (the executable's main loop), then stops gracefully.
    public func runUntilCancelled() async {
        let listener = listener
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            Task { await listener.triggerGracefulShutdown() }
        }
    }
}
