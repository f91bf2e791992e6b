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
    public static func socket(_ config: Config) -> String { config[ConfigKeys.Foundation.socket] ?? SocketLocation.defaultPath() }
    /// The database path from config, else the default.
    public static func database(_ config: Config) -> String { config[ConfigKeys.Foundation.database] ?? defaultDatabase() }
}

/// Why `serve` will not open the file at the database path.
public enum DatabaseFileError: Error, CustomStringConvertible, Sendable {
    case empty(path: String)
    case notAFile(path: String)

    public var description: String {
        switch self {
        case .empty(let path):
            "database \(path) is an empty file (0 bytes), not a Gatehouse database. A new database is only created where "
                + "no file exists: if this one was truncated, restore it from a backup; to start a new database (and a new "
                + "audit log), remove it"
        case .notAFile(let path): "database \(path) is not a regular file; point `database` at a file path"
        }
    }
}

extension BrokerPaths {
    /// Refuses a database path that holds an empty file (a truncated copy would otherwise silently become
    /// a new database, with a new audit chain) or something that is not a file. A missing file is fine.
    public static func checkDatabaseFile(_ path: String) throws(DatabaseFileError) {
        // attributesOfItem describes a symlink itself; the database is what it points at.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw .notAFile(path: path) }
        if (attributes[.size] as? NSNumber)?.intValue == 0 { throw .empty(path: path) }
    }
}
