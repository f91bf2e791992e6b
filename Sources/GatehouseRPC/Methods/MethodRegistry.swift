import GatehouseCore

/// How a method runs.
public enum RPCHandler: Sendable {
    /// Runs on the connection's event loop. For quick, non-blocking work only.
    case immediate(@Sendable (RPCCall) throws -> JSONValue)
    /// Runs as a Swift task; may await I/O.
    case async(@Sendable (RPCCall) async throws -> JSONValue)
}

/// A method the server exposes, with a description scripts can discover through `system.methods`.
public struct RPCMethod: Sendable {
    public var name: String
    /// One line: what the method does.
    public var summary: String
    /// A JSON Schema of the params object.
    public var params: JSONValue
    public var handler: RPCHandler

    /// Describes a method.
    public init(_ name: String, summary: String, params: JSONValue = ["type": "object", "properties": [:]], handler: RPCHandler) {
        self.name = name
        self.summary = summary
        self.params = params
        self.handler = handler
    }
}

/// The method table, built as a value before the server starts and immutable after.
public struct MethodRegistry: Sendable {
    private var methods: [String: RPCMethod] = [:]
    private var results: [String: RPCResultDescription] = [:]
    /// The server notifications, in the order described.
    public private(set) var notifications: [RPCNotificationDescription] = []

    /// An empty registry.
    public init() {}

    /// Adds `method`, replacing one of the same name.
    public mutating func register(_ method: RPCMethod) {
        methods[method.name] = method
    }

    /// Adds every method in `list`.
    public mutating func register(_ list: [RPCMethod]) {
        list.forEach { register($0) }
    }

    /// The method called `name`.
    public func method(named name: String) -> RPCMethod? { methods[name] }

    /// Every method, sorted by name.
    public var all: [RPCMethod] { methods.values.sorted { $0.name < $1.name } }

    /// The `system.methods` answer: name, summary and params schema of each method.
    public var catalog: JSONValue {
        .array(all.map { .object(["name": .string($0.name), "summary": .string($0.summary), "params": $0.params]) })
    }

    /// Adds what methods answer (result schema, errors), for `rpc.discover`.
    public mutating func describe(_ list: [RPCResultDescription]) {
        list.forEach { results[$0.method] = $0 }
    }

    /// Adds server notifications, for `rpc.discover`.
    public mutating func describe(notifications list: [RPCNotificationDescription]) {
        notifications += list
    }

    /// The result schema and errors of `name`, if described.
    public func resultDescription(of name: String) -> RPCResultDescription? { results[name] }
}
