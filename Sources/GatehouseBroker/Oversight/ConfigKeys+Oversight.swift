extension ConfigKeys {
    /// Keys of the `oversight` section: caller classes and approvals for sensitive actions.
    static let oversight: [ConfigKey] = [
        ConfigKey("oversight.caller_classes", .stringList, default: "",
            "Named caller classes as NAME=GLOB (executable path of the caller or any ancestor) or NAME=sha256:HEX (the caller's executable), e.g. ai-agent=/opt/agent/*; anything else is interactive (has a terminal) or automation"),
        ConfigKey("oversight.require_approval", .stringList, default: "job.submit@production,cluster.create,cluster.delete",
            "ACTION or ACTION@LIFECYCLE that wait for a person's approval when a non-interactive caller asks (more rules: `approvals:` in policy.rules_file)"),
        ConfigKey("oversight.approval_ttl_seconds", .int(1...604_800), default: "900",
            "A pending approval expires after this long and its action is never carried out"),
    ]
}
