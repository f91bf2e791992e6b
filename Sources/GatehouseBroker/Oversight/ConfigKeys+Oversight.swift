extension ConfigKeys {
    /// The `oversight` section: caller classes, and which actions wait for a person's approval.
    public enum Oversight {
        public static let callerClasses = Setting<[String]>.list(
            "oversight.caller_classes",
            "Named caller classes as NAME=GLOB (executable path of the caller or any ancestor) or NAME=sha256:HEX (the caller's executable), e.g. ai-agent=/opt/agent/*; anything else is interactive (has a terminal) or automation"
        )
        public static let requireApproval = Setting<[String]>.list(
            "oversight.require_approval", default: ["job.submit@production", "cluster.create", "cluster.delete"],
            "ACTION or ACTION@LIFECYCLE that wait for a person's approval when a non-interactive caller asks (more rules: `approvals:` in policy.rules_file)"
        )
        public static let approvalTTLSeconds = Setting<Int>.integer(
            "oversight.approval_ttl_seconds", 1...604_800, default: 900,
            "A pending approval expires after this long and its action is never carried out")

        public static let stepUp = Setting<[String]>.list(
            "oversight.step_up", default: ["job.submit@production", "cluster.create", "cluster.delete"],
            "ACTION or ACTION@LIFECYCLE whose approval needs the approver to have signed in at the IdP within oversight.step_up_max_age_seconds (`gatehouse approve` signs in again first)"
        )
        public static let stepUpMaxAgeSeconds = Setting<Int>.integer(
            "oversight.step_up_max_age_seconds", 1...86_400, default: 300,
            "How recent the approver's sign-in must be for a step-up approval (the ID token's auth_time)")

        static let all = [callerClasses.key, requireApproval.key, approvalTTLSeconds.key, stepUp.key, stepUpMaxAgeSeconds.key]
    }
}
