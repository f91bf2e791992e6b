extension ConfigKeys {
    /// Keys of the `catalog` section, owned by the Catalog module.
    static let catalog: [ConfigKey] = []
}
