import Foundation
import Synchronization

/// Runs PySpark workloads on a local Spark (`spark-submit --master local[*]`) as child processes,
/// streaming what the driver prints (stdout and stderr, merged) into numbered driver output
/// chunks in the Cloud Storage stand-in, where Dataproc would write them, while it runs.
///
/// The main file and every `gs://` argument, Python file and file are copied out of the
/// stand-in into a private working directory first, and `gs://` arguments are rewritten to the
/// local copies: the driver sees plain paths, so no Cloud Storage connector is needed.
final class LocalSparkRunner: Sendable {
    private let spark: LocalSpark
    private let objects: CloudStorageObjects
    private let clock: SandboxClock
    /// The process group of each running workload, by key, and whether it was cancelled.
    private let running = Mutex<[String: (group: pid_t?, cancelled: Bool)]>([:])

    /// How often what the driver printed is written out as a chunk while it runs.
    static let flushInterval: TimeInterval = 0.25
    /// Grace between SIGTERM and SIGKILL for a cancelled or timed-out run.
    static let killGrace: TimeInterval = 5

    init(spark: LocalSpark, objects: CloudStorageObjects, clock: SandboxClock) {
        self.spark = spark
        self.objects = objects
        self.clock = clock
    }

    /// Starts `workload` on a thread of its own; `started` is called when the driver process
    /// starts, `ended` when it is gone (with the failure, nil on success; after `cancel` the
    /// failure is ignored by the caller).
    func start(
        _ workload: SparkWorkload, key: String, started: @escaping @Sendable (Date) -> Void,
        ended: @escaping @Sendable (Date, String?) -> Void
    ) {
        running.withLock { $0[key] = (nil, false) }
        Thread { [self] in
            let failure = run(workload, key: key, started: started)
            ended(clock.now, failure)
        }.start()
    }

    /// Whether `workload`'s main file is at hand: an object in the Cloud Storage stand-in or a local
    /// file. Workloads whose main file is nowhere keep the simulated run, so scripts written for
    /// the simulated sandbox (`gs://demo/…`) behave the same with `--spark local`.
    func finds(_ workload: SparkWorkload) -> Bool {
        let uri = workload.mainPythonFileUri
        guard uri.hasPrefix("gs://") else {
            return FileManager.default.fileExists(atPath: uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri)
        }
        let path = uri.dropFirst("gs://".count)
        guard let slash = path.firstIndex(of: "/") else { return false }
        return objects.object(bucket: String(path[..<slash]), name: String(path[path.index(after: slash)...])) != nil
    }

    /// Stops a running workload: SIGTERM to its process group, SIGKILL after a grace period.
    func cancel(key: String) {
        // A run cancelled before its process started is killed as it starts.
        guard
            let group = running.withLock({ running -> pid_t? in
                guard running[key] != nil else { return nil }
                running[key]!.cancelled = true
                return running[key]!.group
            })
        else { return }
        kill(-group, SIGTERM)
        Thread { [self] in
            Thread.sleep(forTimeInterval: Self.killGrace)
            if running.withLock({ $0[key]?.group == group }) { kill(-group, SIGKILL) }
        }.start()
    }

    /// Kills every running workload (the sandbox is stopping): a driver in a process group of its
    /// own would otherwise outlive it.
    func stopAll() {
        let groups = running.withLock { running in running.values.compactMap(\.group) }
        for group in groups { kill(-group, SIGKILL) }
    }

    /// Runs the workload to its end; why it failed (the last Python exception line when there is
    /// one, `ValueError: …`), nil on success.
    private func run(_ workload: SparkWorkload, key: String, started: @Sendable (Date) -> Void) -> String? {
        let output = ChunkWriter(
            objects: objects, clock: clock, bucket: workload.outputBucket, prefix: workload.outputPrefix, limit: spark.outputLimit)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-spark-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments: [String]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let stage = Stager(objects: objects, directory: directory)
            let main = try stage.copy(workload.mainPythonFileUri)
            var options = ["--master", "local[*]", "--conf", "spark.ui.enabled=false"]
            for (name, value) in workload.properties.sorted(by: { $0.key < $1.key }) { options += ["--conf", "\(name)=\(value)"] }
            let pyFiles = try workload.pythonFileUris.map { try stage.copy($0) }
            if !pyFiles.isEmpty { options += ["--py-files", pyFiles.joined(separator: ",")] }
            let files = try workload.fileUris.map { try stage.copy($0) }
            if !files.isEmpty { options += ["--files", files.joined(separator: ",")] }
            arguments = options + [main] + (try workload.args.map { $0.hasPrefix("gs://") ? try stage.copy($0) : $0 })
        } catch {
            output.append(Data("\(error)\n".utf8))
            output.flush()
            running.withLock { _ = $0.removeValue(forKey: key) }
            return "\(error)"
        }

        // sh changes to the working directory and starts spark-submit in a process group of its
        // own (setsid), so a cancel reaches the JVM and the Python driver it starts; stderr joins
        // stdout, as in Dataproc's driver output.
        let bin = URL(fileURLWithPath: spark.sparkSubmit).deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["SPARK_LOCAL_IP"] = "127.0.0.1"
        if FileManager.default.isExecutableFile(atPath: bin + "/python") { environment["PYSPARK_PYTHON"] = bin + "/python" }
        let child: ChildProcess
        do {
            child = try ChildProcess(
                "/bin/sh", ["-c", #"cd "$0" && exec setsid "$@" 2>&1"#, directory.path, spark.sparkSubmit] + arguments,
                environment: environment, stdout: .capture, stderr: .discard)
        } catch {
            running.withLock { _ = $0.removeValue(forKey: key) }
            return "\(error)"
        }
        let cancelledEarly = running.withLock { running in
            running[key]?.group = child.pid
            return running[key]?.cancelled ?? false
        }
        if cancelledEarly { kill(-child.pid, SIGKILL) }
        started(clock.now)
        let deadline = Date().addingTimeInterval(spark.timeout)
        var timedOut = false
        let descriptor = child.standardOutput!.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var lastFlush = Date()
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(Self.flushInterval * 1000))
            if ready > 0 {
                let count = read(descriptor, &buffer, buffer.count)
                if count == 0 || count < 0 && errno != EINTR && errno != EAGAIN { break }
                if count > 0 { output.append(Data(buffer[0..<count])) }
            }
            if Date().timeIntervalSince(lastFlush) >= Self.flushInterval {
                output.flush()
                lastFlush = Date()
            }
            if !timedOut, Date() > deadline {
                timedOut = true
                output.append(Data("Sandbox: the run took longer than \(Int(spark.timeout)) s and was killed.\n".utf8))
                kill(-child.pid, SIGKILL)
            }
        }
        let status = child.waitForExit()
        // Python workers a killed JVM left behind.
        let cancelled = running.withLock { $0.removeValue(forKey: key)?.cancelled ?? false }
        kill(-child.pid, SIGKILL)
        output.flush()
        if status == 0 && !timedOut { return nil }
        if cancelled { return "cancelled" }
        let reason =
            timedOut
            ? "the run exceeded the sandbox's \(Int(spark.timeout)) s limit" : output.lastPythonError ?? "the driver exited with code \(status)"
        return reason
    }
}

/// Copies a workload's files out of the Cloud Storage stand-in into its working directory.
private struct Stager {
    var objects: CloudStorageObjects
    var directory: URL

    /// A missing object or an unreadable local file.
    struct Missing: Error, CustomStringConvertible {
        var uri: String
        var description: String { "Google Cloud Storage object does not exist: \(uri) (upload it to the sandbox's storage first)" }
    }

    /// The local path of `uri`: a `gs://` object copied to `<dir>/gs/<bucket>/<name>`; any other
    /// URI (`file://`, a plain path) is used where it is.
    func copy(_ uri: String) throws -> String {
        guard uri.hasPrefix("gs://") else { return uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri }
        let path = uri.dropFirst("gs://".count)
        guard let slash = path.firstIndex(of: "/"),
            let object = objects.object(bucket: String(path[..<slash]), name: String(path[path.index(after: slash)...])),
            !object.name.split(separator: "/").contains("..")
        else { throw Missing(uri: uri) }
        let local = directory.appendingPathComponent("gs").appendingPathComponent(object.bucket).appendingPathComponent(object.name)
        try FileManager.default.createDirectory(at: local.deletingLastPathComponent(), withIntermediateDirectories: true)
        try object.content.write(to: local)
        return local.path
    }
}

/// Writes what a driver prints as numbered chunk objects (`driveroutput.000000000`, …), keeping
/// the last lines to name the failure.
private final class ChunkWriter {
    private let objects: CloudStorageObjects
    private let clock: SandboxClock
    private let bucket: String
    private let prefix: String
    private let limit: Int
    private var pending = Data()
    private var written = 0
    private var index = 0
    private var truncated = false
    /// The last few KiB printed.
    private var tail = Data()

    init(objects: CloudStorageObjects, clock: SandboxClock, bucket: String, prefix: String, limit: Int) {
        self.objects = objects
        self.clock = clock
        self.bucket = bucket
        self.prefix = prefix
        self.limit = limit
    }

    func append(_ data: Data) {
        tail = (tail + data).suffix(8 << 10)
        guard !truncated else { return }
        if written + pending.count + data.count > limit {
            pending += data.prefix(max(0, limit - written - pending.count))
            pending += Data("\n[sandbox: driver output beyond \(limit >> 20) MiB dropped]\n".utf8)
            truncated = true
        } else {
            pending += data
        }
    }

    /// Writes what was printed since the last flush as the next chunk.
    func flush() {
        guard !pending.isEmpty else { return }
        let name = prefix + String(format: ".%09d", index)
        guard (try? objects.put(bucket: bucket, name: name, content: pending, at: clock.now)) != nil else { return }
        written += pending.count
        index += 1
        pending = Data()
    }

    /// The last Python exception line printed (`ValueError: …`), which Dataproc's details quote.
    var lastPythonError: String? {
        String(decoding: tail, as: UTF8.self).split(separator: "\n").last { line in
            line.range(of: #"^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Exit|Interrupt)(: .*)?$"#, options: .regularExpression) != nil
        }.map(String.init)
    }
}
