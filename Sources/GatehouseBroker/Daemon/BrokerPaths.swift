import Foundation
import GatehouseRPC

/// Default locations of the daemon's files.
public enum BrokerPaths {
    /// `$XDG_STATE_HOME/gatehouse/gatehouse.db`, else `~/.local/state/gatehouse/gatehouse.db`.
    public static func defaultDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/gatehouse/gatehouse.db" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/gatehouse/gatehouse.db"
    }

    /// The socket path from config, else the default.
    public static func socket(_ config: Config) -> String { config.string("socket") ?? SocketLocation.defaultPath() }
    /// The database path from config, else the default.
    public static func database(_ config: Config) -> String { config.string("database") ?? defaultDatabase() }
}
