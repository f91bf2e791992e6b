import Foundation
import GatehouseCore

/// Where the sandbox finds a local Spark to run PySpark workloads on (`gatehouse-sandbox --spark local`).
public struct LocalSpark: Sendable {
    /// The `spark-submit` to start (pyspark's, in the venv `scripts/spark/setup.sh` makes). The
    /// directory it is in goes first on the run's PATH, so its venv's Python runs the driver.
    public var sparkSubmit: String
    /// The longest a run may take; longer runs are killed and end ERROR.
    public var timeout: TimeInterval
    /// The most driver output bytes kept per run; the rest is dropped with a note.
    public var outputLimit: Int

    /// A local Spark started through `sparkSubmit`.
    public init(sparkSubmit: String, timeout: TimeInterval = 600, outputLimit: Int = 8 << 20) {
        self.sparkSubmit = sparkSubmit
        self.timeout = timeout
        self.outputLimit = outputLimit
    }
}

/// How a workload run on the local Spark went: its states follow these moments rather than the
/// sandbox clock's step timer.
struct RealRun: Sendable {
    /// When the driver process started (RUNNING).
    var startedAt: Date?
    /// When it ended (DONE/ERROR, or CANCELLED after a cancel).
    var endedAt: Date?
    /// Why it failed (`ValueError: …`, quoted by the status details); nil when it succeeded or still runs.
    var failure: String?
}

/// One PySpark workload to run: what Dataproc's job or batch says.
struct SparkWorkload: Sendable {
    /// The main Python file (`gs://bucket/path.py`, or a local path).
    var mainPythonFileUri: String
    /// The driver's arguments; `gs://` ones are read from the Cloud Storage stand-in.
    var args: [String]
    /// Python files put on the PYTHONPATH (`--py-files`).
    var pythonFileUris: [String]
    /// Files copied into the driver's working directory (`--files`).
    var fileUris: [String]
    /// Spark properties (`--conf`); the sandbox's own `sandbox.*` ones are left out.
    var properties: [String: String]
    /// Bucket and object name prefix of the driver output chunks (`…/driveroutput`).
    var outputBucket: String
    var outputPrefix: String

    /// The workload of a `pysparkJob` or `pysparkBatch` body, nil for any other workload type.
    init?(pyspark: JSONValue?, properties: JSONValue?, outputBucket: String, outputPrefix: String) {
        guard let pyspark, let main = pyspark["mainPythonFileUri"]?.stringValue else { return nil }
        func strings(_ field: String) -> [String] { pyspark[field]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        mainPythonFileUri = main
        args = strings("args")
        pythonFileUris = strings("pythonFileUris")
        fileUris = strings("fileUris")
        self.properties = (properties?.objectValue ?? [:]).compactMapValues(\.stringValue).filter { !$0.key.hasPrefix("sandbox.") }
        self.outputBucket = outputBucket
        self.outputPrefix = outputPrefix
    }
}
