extension ConfigKeys {
    /// The `fleet` section, owned by the Fleet feature (docs/fleet.md).
    public enum Fleet {
        public static let collectorURL = Setting<String?>.url(
            "fleet.collector_url", "The fleet collector (gatehouse-collector) this host ships its audit records to; unset: nothing leaves the host")
        public static let batchSize = Setting<Int>.integer(
            "fleet.batch_size", 1...5000, default: 500, "Most audit records in one shipment to the collector")

        static let all = [collectorURL.key, batchSize.key]
    }
}
