import Foundation
import GatehouseCore

/// What a simulated job or batch driver prints, and when: Dataproc writes a driver's output to
/// Cloud Storage as numbered chunk objects (`driveroutput.000000000`, `…000000001`, …) under
/// the workload's output prefix while it runs. Each chunk is an immutable object that appears
/// whole; which exist is derived from the sandbox clock, like every other state.
///
/// The run is cut into four equal parts: a chunk at its start and one at each quarter, then a
/// last chunk when it ends (the result, or a Python traceback when the workload asked to fail).
/// A cancelled run stops writing at the cancel.
struct DriverOutput: Sendable {
    /// The staging bucket of every sandbox job and batch.
    static let bucket = "dataproc-staging-sandbox"

    /// One chunk object.
    struct Chunk: Sendable {
        /// Object name within the bucket.
        var name: String
        /// When the driver wrote it (sandbox clock): its creation time and generation.
        var writtenAt: Date
        /// The bytes.
        var content: Data
    }

    /// Object name prefix within the bucket (`…/driveroutput`).
    var prefix: String
    /// What runs, for the first line (`job nightly-1`, `batch b-7`).
    var title: String
    /// The main file (`gs://…/main.py`).
    var mainFile: String
    /// When the driver started and when it ends (or ended) by itself.
    var run: ClosedRange<Date>
    /// When it was stopped early (cancelled), if it was.
    var stoppedAt: Date?
    /// Whether it ends with an error.
    var fails: Bool

    /// The chunks written by `now`, in order.
    func chunks(at now: Date) -> [Chunk] {
        let quarter = (run.upperBound.timeIntervalSince(run.lowerBound)) / 4
        var texts = ["Sandbox driver: running \(mainFile) for \(title) (simulated; no Spark runs)\n"]
        texts += (1...3).map { "stage \($0) of 3: \($0 * 1000) rows processed\n" }
        texts.append(
            fails
                ? "Traceback (most recent call last):\n  File \"\(Self.fileName(mainFile))\", line 12, in <module>\n"
                    + "    raise RuntimeError(\"Sandbox: the workload asked to fail\")\nRuntimeError: Sandbox: the workload asked to fail\n"
                : "rows: 3000\nDriver finished successfully.\n")
        return texts.enumerated().compactMap { index, text in
            let writtenAt = index == 4 ? run.upperBound : run.lowerBound.addingTimeInterval(Double(index) * quarter)
            guard writtenAt <= now, stoppedAt.map({ writtenAt < $0 }) ?? true else { return nil }
            return Chunk(name: prefix + String(format: ".%09d", index), writtenAt: writtenAt, content: Data(text.utf8))
        }
    }

    /// The main file's name as a driver's traceback shows it (Dataproc runs it from its working directory).
    private static func fileName(_ uri: String) -> String {
        uri.split(separator: "/").last.map(String.init) ?? "main.py"
    }
}

extension DataprocJob {
    /// Object name prefix of the job's driver output within `DriverOutput.bucket`.
    var driverOutputPrefix: String { "google-cloud-dataproc-metainfo/\(clusterUuid)/jobs/\(jobId)/driveroutput" }

    /// The job's driver output as the sandbox simulates it.
    func driverOutput(stepSeconds: TimeInterval) -> DriverOutput {
        let typed = jobTypeField.flatMap { submitted[$0] } ?? .null
        let main =
            typed["mainPythonFileUri"]?.stringValue ?? typed["mainJarFileUri"]?.stringValue ?? typed["mainRFileUri"]?.stringValue
            ?? typed["mainClass"]?.stringValue ?? "the job"
        let running = submittedAt.addingTimeInterval(stepSeconds)
        return DriverOutput(
            prefix: driverOutputPrefix, title: "job \(jobId)", mainFile: main, run: running...submittedAt.addingTimeInterval(2 * stepSeconds),
            stoppedAt: cancelledAt, fails: failsOnPurpose)
    }

    /// The job-type field the client sent (`pysparkJob`, …).
    private var jobTypeField: String? { submitted.objectValue?.keys.first { $0.hasSuffix("Job") } }
}

extension DataprocBatch {
    /// Object name prefix of the batch's driver output within `DriverOutput.bucket`.
    var driverOutputPrefix: String { "google-cloud-dataproc-metainfo/\(uuid)/batches/\(batchId)/driveroutput" }

    /// The batch's driver output as the sandbox simulates it.
    func driverOutput(stepSeconds: TimeInterval) -> DriverOutput {
        let workload = submitted.objectValue?.first { $0.key.hasSuffix("Batch") }?.value ?? .null
        let main =
            workload["mainPythonFileUri"]?.stringValue ?? workload["mainJarFileUri"]?.stringValue ?? workload["mainRFileUri"]?.stringValue
            ?? workload["queryFileUri"]?.stringValue ?? workload["mainClass"]?.stringValue ?? "the batch"
        let running = createdAt.addingTimeInterval(stepSeconds)
        return DriverOutput(
            prefix: driverOutputPrefix, title: "batch \(batchId)", mainFile: main, run: running...createdAt.addingTimeInterval(2 * stepSeconds),
            stoppedAt: cancelRequestedAt, fails: failsOnPurpose)
    }
}
