/// The version every binary reports (`gatehouse --version`, `system.status`, HTTP User-Agent).
public enum GatehouseVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
