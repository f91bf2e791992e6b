import GatehouseRPC

/// Every configuration key Gatehouse knows. Add a key here and it is parsed, validated,
/// overridable by environment, listed by `gatehouse config keys` and in docs/configuration.md.
public enum ConfigKeys {
    /// The registry, in documentation order.
    public static let all: [ConfigKey] = foundation + identity + catalog + oversight + looker + dataproc + clusters + fleet

    static let foundation: [ConfigKey] = [
        ConfigKey("socket", .path, default: nil, "Unix socket path (default $XDG_RUNTIME_DIR/gatehouse/gatehouse.sock, else ~/.gatehouse/gatehouse.sock)"),
        ConfigKey("database", .path, default: nil, "SQLite database path (default $XDG_STATE_HOME/gatehouse/gatehouse.db, else ~/.local/state/gatehouse/gatehouse.db)"),
        ConfigKey("log_level", .choice(["trace", "debug", "info", "notice", "warning", "error"]), default: "info", "Daemon log level (logs go to stderr)"),
        ConfigKey("rpc.max_frame_bytes", .int(1024...(64 << 20)), default: "1048576", "Longest accepted request line; longer ones get payload_too_large and the connection closes"),
        ConfigKey("rpc.max_batch", .int(1...100_000), default: "10000", "Most requests in one JSON-RPC batch"),
        ConfigKey("rpc.max_connections", .int(1...65_536), default: "256", "Connections beyond this are refused with `busy`"),
        ConfigKey("rpc.idle_timeout_seconds", .int(1...86_400), default: "300", "Close a connection that sends nothing for this long while nothing is in flight, or that reads none of its waiting answers for this long (audited as rpc.connection_stalled)"),
        ConfigKey("rpc.max_unsent_answers", .int(1...1_000_000), default: "1024", "Stop reading a connection's requests while this many of its answers have not reached the socket; resume as the client reads"),
        ConfigKey("rpc.max_unsent_bytes", .int(65_536...(1 << 30)), default: "4194304", "Stop reading a connection's requests while this many bytes of its answers wait for the client; a notification stream past it is closed and audited"),
        ConfigKey("rpc.allowed_uids", .intList, default: "", "Other uids allowed to connect (the daemon's own uid always is)"),
        ConfigKey("rpc.threads", .int(1...64), default: String(RPCServerConfiguration.defaultThreads), "Event loop threads serving the socket"),
        ConfigKey("rpc.shutdown_grace_seconds", .int(0...600), default: "10", "On SIGTERM/SIGINT, how long requests in flight may finish"),
        ConfigKey("store.durability", .choice(["normal", "full"]), default: "normal", "normal: commits survive a daemon crash (WAL); full: also fsync each group commit (survives power loss)"),
        ConfigKey("store.max_batch", .int(1...100_000), default: "512", "Most writes in one group commit"),
        ConfigKey("http.ca_bundle", .path, default: nil, "PEM file of CA certificates trusted for every upstream (IdP, STS, Backstage, Looker, Dataproc) instead of the system's; TLS verification is always on"),
        ConfigKey("http.proxy", .string, default: nil, "Proxy for every upstream call (http://, https://, socks5h://…; user:password@ allowed, never printed); unset: libcurl reads http_proxy, https_proxy, all_proxy"),
        ConfigKey("http.no_proxy", .string, default: nil, "Comma-separated hosts or domains reached without the proxy (libcurl's no_proxy syntax, `*` for all); unset: the no_proxy variable"),
    ]

    // Each module's section is in its own file (ConfigKeys+Identity.swift, …).

    /// The key at `path`.
    public static func key(_ path: String) -> ConfigKey? { byPath[path] }

    private static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
