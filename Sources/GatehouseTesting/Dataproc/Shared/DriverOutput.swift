/// Where Dataproc writes a workload's driver output: a Cloud Storage prefix in the staging bucket.
enum DriverOutput {
    /// The staging bucket of every sandbox job and batch.
    static let bucket = "dataproc-staging-sandbox"
}
