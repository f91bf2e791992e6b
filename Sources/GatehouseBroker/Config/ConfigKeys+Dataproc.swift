extension ConfigKeys {
    /// Keys of the `dataproc` section, owned by the Dataproc module.
    static let dataproc: [ConfigKey] = []
}
