extension ConfigKeys {
    /// The `dataproc` section, owned by the Jobs feature (clusters reach Dataproc through the same client).
    public enum Dataproc {
        public static let baseURL = Setting<String>.url(
            "dataproc.base_url", default: "https://dataproc.googleapis.com/", "Dataproc API root (paths start with v1/projects/...)")
        public static let storageBaseURL = Setting<String>.url(
            "dataproc.storage_base_url", default: "https://storage.googleapis.com/",
            "Cloud Storage JSON API root, where `job logs` reads a job's driver output (paths start with storage/v1/...)")
        public static let logsPoll = Setting<Duration>.milliseconds(
            "dataproc.logs_poll_ms", 100...60_000, default: 500, "`job logs --follow`: pause between reads of a running job's driver output")
        public static let outputCacheMaxBytes = Setting<Int>.integer(
            "dataproc.output_cache_max_bytes", 0...(1 << 40), default: 64 << 20,
            "Most bytes of sealed driver output kept, so `job logs` answers offline for output read before; least recently read jobs go first")
        public static let requestTimeout = Setting<Duration>.seconds(
            "dataproc.request_timeout_seconds", 1...600, default: 15,
            "Deadline of one Dataproc call, its quick retries included; a timed-out submit is resent with the same requestId")
        public static let senderConcurrency = Setting<Int>.integer(
            "dataproc.sender_concurrency", 1...64, default: 8, "Queued requests sent to Dataproc at once")
        public static let retryMaxSeconds = Setting<Int>.integer(
            "dataproc.retry_max_seconds", 1...3600, default: 5,
            "Longest pause (with jitter) between attempts while Dataproc is unreachable; the first success sends every queued job at once")
        public static let offlineProbe = Setting<Duration>.seconds(
            "dataproc.offline_probe_seconds", 1...300, default: 2,
            "After 5 failures in a row, Dataproc calls fail fast for this long before one probe")
        public static let pollMinSeconds = Setting<Int>.integer(
            "dataproc.poll_min_seconds", 1...3600, default: 1, "Status tracking: first interval between jobs.get calls after a job's state changed")
        public static let pollMaxSeconds = Setting<Int>.integer(
            "dataproc.poll_max_seconds", 1...3600, default: 30, "Status tracking: the interval doubles while a job's state stays the same, up to this"
        )

        static let all = [
            baseURL.key, storageBaseURL.key, logsPoll.key, outputCacheMaxBytes.key, requestTimeout.key, senderConcurrency.key, retryMaxSeconds.key,
            offlineProbe.key, pollMinSeconds.key, pollMaxSeconds.key,
        ]
    }
}
