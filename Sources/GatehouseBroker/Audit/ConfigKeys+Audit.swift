import Foundation

extension ConfigKeys {
    /// The `audit` section, owned by the Audit feature (docs/fleet.md, "Local retention").
    public enum Audit {
        public static let retentionDays = Setting<Double?>.optionalNumber(
            "audit.retention_days", 0.00001...36_500,
            "Prune local audit records older than this many days once the fleet collector has cosigned them (fractions allowed: 0.0001 is about 9 s, for tests); unset: keep everything without fleet.collector_url, 90 days with it"
        )

        /// The retention when `audit.retention_days` is unset but a collector keeps the records.
        public static let defaultDaysWithCollector = 90.0

        static let all = [retentionDays.key]

        /// How long records are kept locally; nil: forever (no collector, so nothing is ever cosigned).
        public static func retention(_ config: Config) -> TimeInterval? {
            guard config[ConfigKeys.Fleet.collectorURL] != nil else { return nil }
            return (config[retentionDays] ?? defaultDaysWithCollector) * 86_400
        }
    }
}
