import GatehouseCore

extension Daemon {
    /// Builds the broker's components in dependency order. Each module's owner adds its line here;
    /// later components take earlier ones as arguments (e.g. policy takes catalog and identity).
    static func makeComponents(_ context: BrokerContext) throws -> [any BrokerComponent] {
        var components: [any BrokerComponent] = []
        // identity:  components.append(identity)
        // catalog + policy
        // looker
        // dataproc
        _ = context
        return components
    }
}
