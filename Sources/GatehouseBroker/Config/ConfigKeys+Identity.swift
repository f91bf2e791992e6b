extension ConfigKeys {
    /// Keys of the `identity` section, owned by the Identity module.
    static let identity: [ConfigKey] = []
}
