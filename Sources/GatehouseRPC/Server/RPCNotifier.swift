import GatehouseCore
import NIOCore

/// Sends JSON-RPC notifications to one connection, from any thread; for streaming methods such as `job.watch`.
public struct RPCNotifier: Sendable {
    private let channel: (any Channel)?

    init(channel: (any Channel)?) {
        self.channel = channel
    }

    /// A notifier with no connection behind it (in-process calls, tests).
    public static let detached = RPCNotifier(channel: nil)

    /// True while the caller is still connected.
    public var isConnected: Bool { channel?.isActive ?? false }

    /// Sends `{"jsonrpc":"2.0","method":…,"params":…}` on the connection. Silently dropped once it is closed.
    public func notify(method: String, params: JSONValue) {
        guard let channel, channel.isActive else { return }
        var bytes: [UInt8] = []
        RPCResponseWriter.notification(method: method, params: params, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Completes when the caller disconnects.
    public func waitUntilDisconnected() async {
        guard let channel else { return }
        try? await channel.closeFuture.get()
    }
}
