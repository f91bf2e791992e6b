extension ConfigKeys {
    /// Keys of the `dataproc` section, owned by the Dataproc module.
    static let dataproc: [ConfigKey] = [
        ConfigKey("dataproc.base_url", .url, default: "https://dataproc.googleapis.com/", "Dataproc API root (paths start with v1/projects/...)"),
        ConfigKey("dataproc.storage_base_url", .url, default: "https://storage.googleapis.com/", "Cloud Storage JSON API root, where `job logs` reads a job's driver output (paths start with storage/v1/...)"),
        ConfigKey("dataproc.logs_poll_ms", .int(100...60000), default: "500", "`job logs --follow`: pause between reads of a running job's driver output"),
        ConfigKey("dataproc.request_timeout_seconds", .int(1...600), default: "15", "Deadline of one Dataproc call, its quick retries included; a timed-out submit is resent with the same requestId"),
        ConfigKey("dataproc.sender_concurrency", .int(1...64), default: "8", "Queued requests sent to Dataproc at once"),
        ConfigKey("dataproc.retry_max_seconds", .int(1...3600), default: "5", "Longest pause (with jitter) between attempts while Dataproc is unreachable; the first success sends every queued job at once"),
        ConfigKey("dataproc.offline_probe_seconds", .int(1...300), default: "2", "After 5 failures in a row, Dataproc calls fail fast for this long before one probe"),
        ConfigKey("dataproc.poll_min_seconds", .int(1...3600), default: "1", "Status tracking: first interval between jobs.get calls after a job's state changed"),
        ConfigKey("dataproc.poll_max_seconds", .int(1...3600), default: "30", "Status tracking: the interval doubles while a job's state stays the same, up to this"),
    ]
}
