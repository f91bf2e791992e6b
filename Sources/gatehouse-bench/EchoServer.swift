import Foundation
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
