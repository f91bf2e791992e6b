import Foundation
import GatehouseRPC
import NIOCore
import NIOPosix

/// The baseline: a bare NIO Unix-socket server that writes back every byte it reads.
/// Same event-loop count and transport as the daemon, none of its JSON, policy or audit work.
enum EchoServer {
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.write(data, promise: nil)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }
    }

    /// The daemon's event-loop count in this run (`GATEHOUSE_RPC_THREADS`, else its default), which the
    /// echo uses too: with more loops than the daemon it measured slower on 2 cores, not faster.
    static var daemonEventLoops: Int {
        ProcessInfo.processInfo.environment["GATEHOUSE_RPC_THREADS"].flatMap(Int.init) ?? RPCServerConfiguration.defaultThreads
    }

    /// Starts the echo as a child process (this executable's `echo-server`) at `socketPath`.
    static func start(socketPath: String) throws -> Child {
        try Child.start(Bench.RPC.selfPath, ["echo-server", "--socket", socketPath, "--threads", String(daemonEventLoops)])
    }

    /// Serves until the process is killed.
    static func serve(socketPath: String, threads: Int) throws -> Never {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        unlink(socketPath)
        _ = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(unixDomainSocketPath: socketPath)
            .wait()
        while true { sleep(3600) }
    }
}
