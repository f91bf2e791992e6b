import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import Logging
import Testing

@Suite("Socket lifecycle")
struct SocketLifecycleTests {
    @Test func socketIsPrivateAndRemovedOnShutdown() async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        var info = stat()
        #expect(stat(server.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat((server.socketPath as NSString).deletingLastPathComponent, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        await server.server.shutdown()
        #expect(!FileManager.default.fileExists(atPath: server.socketPath))
    }

    @Test func aLiveSocketIsNotStolen() async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        let intruder = RPCServer(
            configuration: RPCServerConfiguration(socketPath: server.socketPath), registry: MethodRegistry(),
            observer: NoCallObserver(), logger: Logger(label: "test"))
        await #expect(throws: RPCServerError.self) { try await intruder.start() }
        #expect(try server.client().call("system.ping") == "pong")
        await server.stop()
    }

    @Test func aStaleSocketIsReplaced() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-stale-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/rpc.sock"
        // A socket file nobody listens on, as a crashed daemon leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        #expect(SocketLocation.occupancy(of: path) == .stale)
        var registry = MethodRegistry()
        registry.register(SpecMethods.all)
        let server = RPCServer(
            configuration: RPCServerConfiguration(socketPath: path), registry: registry, observer: NoCallObserver(), logger: Logger(label: "test"))
        try await server.start()
        #expect(try RPCClient(socketPath: path).call("system.ping") == "pong")
        await server.shutdown()
    }

    @Test func shutdownLetsInFlightRequestsFinish() async throws {
        let slow = RPCMethod(
            "slow", summary: "sleeps",
            handler: .async { _ in
                try await Task.sleep(for: .milliseconds(300))
                return "done"
            })
        let server = try await TestServer(methods: SpecMethods.all + [slow])
        let client = Unchecked(try server.client())
        try client.value.send(Array(#"{"jsonrpc":"2.0","method":"slow","id":1}"#.utf8))
        try await Task.sleep(for: .milliseconds(50))
        let shutdown = Task { await server.server.shutdown() }
        let reply = try await offPool { try client.value.readMessage() }
        #expect(reply["result"] == "done")
        await shutdown.value
    }

    @Test func aClientWithATimeoutGivesUpOnASilentDaemonWithAClearError() async throws {
        let slow = RPCMethod(
            "slow", summary: "sleeps",
            handler: .async { _ in
                try await Task.sleep(for: .seconds(2))
                return "done"
            })
        let server = try await TestServer(methods: SpecMethods.all + [slow])
        let socketPath = server.socketPath
        let outcome = try await offPool { () -> String in
            let client = try RPCClient(socketPath: socketPath, timeout: .milliseconds(200))
            let started = ContinuousClock.now
            do {
                _ = try client.call("slow")
                return "answered"
            } catch {
                return "\(error) after \(ContinuousClock.now - started)"
            }
        }
        #expect(outcome.hasPrefix("the gatehouse daemon did not answer within 0.2 s"), "\(outcome)")
        #expect(try RPCClient(socketPath: socketPath, timeout: .seconds(5)).call("system.ping") == "pong", "a timeout only limits waiting")
        await server.stop()
    }
}
