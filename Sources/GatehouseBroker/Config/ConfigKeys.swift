import GatehouseRPC
import GatehouseStore
import Logging

/// Every configuration key Gatehouse knows, each declared once as a typed `Setting` in its feature's
/// section. Add a key to a section and it is parsed, validated at start-up, overridable by environment,
/// listed by `gatehouse config keys` and in docs/configuration.md.
public enum ConfigKeys {
    /// The registry, in documentation order.
    public static let all: [ConfigKey] =
        Foundation.all + Identity.all + Catalog.all + Oversight.all + Looker.all + Dataproc.all + Clusters.all + Fleet.all + Audit.all

    /// Where the daemon listens and stores, how it serves the socket, and how it reaches upstreams.
    public enum Foundation {
        /// The socket server's own defaults are the keys' defaults.
        private static let server = RPCServerConfiguration(socketPath: "")

        public static let socket = Setting<String?>.path(
            "socket", "Unix socket path (default $XDG_RUNTIME_DIR/gatehouse/gatehouse.sock, else ~/.gatehouse/gatehouse.sock)")
        public static let database = Setting<String?>.path(
            "database", "SQLite database path (default $XDG_STATE_HOME/gatehouse/gatehouse.db, else ~/.local/state/gatehouse/gatehouse.db)")
        public static let logLevel = Setting<Logger.Level>.choice("log_level", default: Logger.Level.info, "Daemon log level (logs go to stderr)")
        public static let maxFrameBytes = Setting<Int>.integer(
            "rpc.max_frame_bytes", 1024...(64 << 20), default: server.maxFrameBytes,
            "Longest accepted request line; longer ones get payload_too_large and the connection closes")
        public static let maxBatch = Setting<Int>.integer(
            "rpc.max_batch", 1...100_000, default: server.maxBatch, "Most requests in one JSON-RPC batch")
        public static let maxConnections = Setting<Int>.integer(
            "rpc.max_connections", 1...65_536, default: server.maxConnections, "Connections beyond this are refused with `busy`")
        public static let idleTimeout = Setting<Duration>.seconds(
            "rpc.idle_timeout_seconds", 1...86_400, default: Int(server.idleTimeout.components.seconds),
            "Close a connection that sends nothing for this long while nothing is in flight, or that reads none of its waiting answers for this long (audited as rpc.connection_stalled)"
        )
        public static let maxUnsentAnswers = Setting<Int>.integer(
            "rpc.max_unsent_answers", 1...1_000_000, default: server.maxUnsentAnswers,
            "Stop reading a connection's requests while this many of its answers have not reached the socket; resume as the client reads")
        public static let maxUnsentBytes = Setting<Int>.integer(
            "rpc.max_unsent_bytes", 65_536...(1 << 30), default: server.maxUnsentBytes,
            "Stop reading a connection's requests while this many bytes of its answers wait for the client; a notification stream past it is closed and audited"
        )
        public static let allowedUIDs = Setting<[Int]>.integers("rpc.allowed_uids", "Other uids allowed to connect (the daemon's own uid always is)")
        public static let threads = Setting<Int>.integer(
            "rpc.threads", 1...64, default: server.threads, "Event loop threads serving the socket")
        public static let shutdownGrace = Setting<Duration>.seconds(
            "rpc.shutdown_grace_seconds", 0...600, default: Int(server.shutdownGrace.components.seconds),
            "On SIGTERM/SIGINT, how long requests in flight may finish")
        public static let durability = Setting<Durability>.choice(
            "store.durability", default: Durability.normal,
            "normal: commits survive a daemon crash (WAL); full: also fsync each group commit (survives power loss)")
        public static let storeMaxBatch = Setting<Int>.integer("store.max_batch", 1...100_000, default: 512, "Most writes in one group commit")
        public static let caBundle = Setting<String?>.path(
            "http.ca_bundle",
            "PEM file of CA certificates trusted for every upstream (IdP, STS, Backstage, Looker, Dataproc) instead of the system's; TLS verification is always on"
        )
        public static let proxy = Setting<String?>.text(
            "http.proxy",
            "Proxy for every upstream call (http://, https://, socks5h://…; user:password@ allowed, never printed); unset: libcurl reads http_proxy, https_proxy, all_proxy"
        )
        public static let noProxy = Setting<String?>.text(
            "http.no_proxy",
            "Comma-separated hosts or domains reached without the proxy (libcurl's no_proxy syntax, `*` for all); unset: the no_proxy variable")

        static let all = [
            socket.key, database.key, logLevel.key, maxFrameBytes.key, maxBatch.key, maxConnections.key, idleTimeout.key,
            maxUnsentAnswers.key, maxUnsentBytes.key, allowedUIDs.key, threads.key, shutdownGrace.key, durability.key,
            storeMaxBatch.key, caBundle.key, proxy.key, noProxy.key,
        ]
    }

    // Each feature's section is in its feature folder (ConfigKeys+Identity.swift, …).

    /// The key at `path`.
    public static func key(_ path: String) -> ConfigKey? { byPath[path] }

    private static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
