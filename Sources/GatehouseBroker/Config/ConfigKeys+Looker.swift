extension ConfigKeys {
    /// Keys of the `looker` section, owned by the Looker module.
    static let looker: [ConfigKey] = []
}
