extension ConfigKeys {
    /// Keys of the `fleet` section, owned by the Fleet module (docs/fleet.md).
    static let fleet: [ConfigKey] = [
        ConfigKey("fleet.collector_url", .url, default: nil, "The fleet collector (gatehouse-collector) this host ships its audit records to; unset: nothing leaves the host"),
        ConfigKey("fleet.batch_size", .int(1...5000), default: "500", "Most audit records in one shipment to the collector"),
    ]
}
