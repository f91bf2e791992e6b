import GatehouseCore
import NIOCore

/// Sends JSON-RPC notifications to one connection, from any thread; for streaming methods such as `job.watch`.
///
/// Notifications share the connection's output bound with its answers: when the caller stops
/// reading and the unsent output would pass `rpc.max_unsent_bytes`, the connection is closed (and
/// audited) rather than buffered without end, so `isConnected` turns false and the stream can stop.
public struct RPCNotifier: Sendable {
    private let channel: (any Channel)?
    private let sink: (@Sendable ([UInt8]) -> Void)?

    init(channel: (any Channel)?, sink: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.channel = channel
        self.sink = sink
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
        if let sink {
            sink(bytes)
        } else {
            bytes.append(UInt8(ascii: "\n"))
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
    }

    /// Completes when the caller disconnects.
    public func waitUntilDisconnected() async {
        guard let channel else { return }
        try? await channel.closeFuture.get()
    }
}
