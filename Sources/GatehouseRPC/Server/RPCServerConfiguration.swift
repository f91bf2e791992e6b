import Foundation

/// How the RPC server listens and what it tolerates.
public struct RPCServerConfiguration: Sendable {
    /// The Unix socket path.
    public var socketPath: String
    /// The longest request line accepted; longer ones get `payload_too_large` and the connection is closed.
    public var maxFrameBytes: Int = 1 << 20
    /// The most requests one batch may hold.
    public var maxBatch: Int = 10_000
    /// Connections beyond this get `busy` and are closed.
    public var maxConnections: Int = 256
    /// A connection with nothing in flight that sends nothing for this long is closed; so is one
    /// whose client reads none of its waiting output for this long (audited as `rpc.connection_stalled`).
    public var idleTimeout: Duration = .seconds(300)
    /// Reading a connection's requests pauses while this many of its answers have not reached the socket
    /// (in flight, waiting for an earlier one, or unsent); it resumes as the client reads.
    public var maxUnsentAnswers: Int = 1024
    /// Reading pauses while this many bytes of a connection's answers and notifications have not
    /// reached the socket. A notification that would pass it closes the connection instead.
    public var maxUnsentBytes: Int = 4 << 20
    /// Users besides the daemon's own that may connect (the socket's mode must allow them too).
    public var allowedUIDs: Set<UInt32> = []
    /// How long a graceful shutdown waits for requests in flight.
    public var shutdownGrace: Duration = .seconds(10)
    /// Event loop threads. One by default: every request ends in the store's single writer, so a
    /// second loop adds hand-offs between loops rather than throughput. Measured on 2 cores at 64
    /// clients: the same round trips per second, with a quarter less CPU per request (README).
    public var threads: Int = Self.defaultThreads
    /// The event-loop count when none is configured.
    public static let defaultThreads = 1

    /// A configuration for `socketPath` with defaults for everything else.
    public init(socketPath: String) {
        self.socketPath = socketPath
    }
}
