import Foundation
import GatehouseCore
import GatehousePeer
import GatehouseRPC
import GatehouseTestSupport
import Logging
import Synchronization

/// An in-process RPC server on a temporary socket, for protocol tests.
final class TestServer: StoppableResource {
    let server: RPCServer
    let socketPath: String
    let observer: RecordingObserver
    private let directory: String

    init(methods: [RPCMethod], configure: (inout RPCServerConfiguration) -> Void = { _ in }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-rpc-\(UUID().uuidString.prefix(8))").path
        socketPath = directory + "/rpc.sock"
        var configuration = RPCServerConfiguration(socketPath: socketPath)
        configuration.threads = 1
        configure(&configuration)
        var registry = MethodRegistry()
        registry.register(methods)
        observer = RecordingObserver()
        server = RPCServer(configuration: configuration, registry: registry, observer: observer, logger: Logger(label: "test"))
        try await server.start()
    }

    func client() throws -> RPCClient { try RPCClient(socketPath: socketPath) }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Remembers every call the server reports.
final class RecordingObserver: CallObserver {
    private let calls = Mutex<[CompletedCall]>([])
    private let refusals = Mutex<[String]>([])

    func record(_ call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        calls.withLock { $0.append(call) }
        done(.success(()))
    }

    func refused(peer: PeerCredentials, reason: String) {
        refusals.withLock { $0.append(reason) }
    }

    var recorded: [CompletedCall] { calls.withLock { $0 } }
    var refused: [String] { refusals.withLock { $0 } }
}

extension RPCClient {
    /// Sends one raw frame and returns the next line as JSON.
    func exchange(_ text: String) throws -> JSONValue {
        try send(Array(text.utf8))
        return try readMessage()
    }
}

/// The methods the JSON-RPC 2.0 specification's examples assume (§7).
enum SpecMethods {
    static var all: [RPCMethod] {
        [
            RPCMethod(
                "subtract", summary: "minuend - subtrahend",
                handler: .immediate { call in
                    switch call.params {
                    case .array(let values)? where values.count == 2:
                        guard let a = values[0].intValue, let b = values[1].intValue else { throw RPCError.invalidParams("numbers expected") }
                        return .int(a - b)
                    case .object(let members)?:
                        guard let a = members["minuend"]?.intValue, let b = members["subtrahend"]?.intValue else {
                            throw RPCError.invalidParams("minuend and subtrahend are required")
                        }
                        return .int(a - b)
                    default: throw RPCError.invalidParams("two numbers expected")
                    }
                }),
            RPCMethod(
                "sum", summary: "sum",
                handler: .immediate { call in
                    .int((call.params?.arrayValue ?? []).compactMap(\.intValue).reduce(0, +))
                }),
            RPCMethod("update", summary: "notification target", handler: .immediate { _ in .null }),
            RPCMethod("notify_hello", summary: "notification target", handler: .immediate { _ in .null }),
            RPCMethod("notify_sum", summary: "notification target", handler: .immediate { _ in .null }),
            RPCMethod("get_data", summary: "[\"hello\", 5]", handler: .async { _ in ["hello", 5] }),
            RPCMethod("system.ping", summary: "pong", handler: .immediate { _ in "pong" }),
        ]
    }
}

/// Lets a client that one thread at a time uses cross into `offPool`.
final class Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
