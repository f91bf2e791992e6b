import Hummingbird
import NIOCore

/// The request context every sandbox router uses: Hummingbird's core storage plus the connection,
/// so the `reset-after-body` fault can close it without answering.
public struct SandboxRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The TCP connection the request arrived on.
    public let channel: any Channel

    /// Builds the context from the server's per-connection source.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
