import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseRPC

extension BatchComponent {
    /// `batch.logs`: reads the driver output chunks under the batch's `runtimeInfo.outputUri` (the
    /// jobs' reader: Cloud Storage, the person's token) and sends each as a notification; with
    /// `follow`, keeps reading until the batch has ended and its last chunk was sent, or the caller hangs up.
    func logs(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var batchId: String
            var follow: Bool?
            var fromChunk: Int?
        }
        let params: Params = try call.decodeParams()
        let batches = service.batches
        guard var batch = try await batches.batch(params.batchId) else { throw DataprocError.unknownBatch(params.batchId) }
        try await policy.authorize(call, action: BatchMethods.viewAction, entity: batch.entity)
        let follow = params.follow ?? false
        let notifier = call.notifier
        var progress = BatchLogsProgress(batchID: batch.batchId, next: max(params.fromChunk ?? 0, 0))
        // Not at Dataproc yet, or not running yet (Dataproc names the output once it runs).
        while batch.outputUri == nil {
            if let uri = try await remoteOutputURI(batch) {
                batch.outputUri = uri
                break
            }
            guard follow, notifier.isConnected, !batch.isTerminal else {
                if batch.submittedAt != nil && batch.isTerminal {
                    throw DriverOutputError.noOutputLocation("Dataproc names no runtimeInfo.outputUri for batch \(batch.batchId)")
                }
                return progress.answer(batch)
            }
            try await Task.sleep(for: logsInterval)
            batch = try await batches.batch(params.batchId) ?? batch
        }
        guard let uri = batch.outputUri, let location = DriverOutputLocation(uri: uri) else {
            throw DriverOutputError.noOutputLocation("batch \(batch.batchId)'s output URI is not a gs:// prefix")
        }
        let batchID = batch.batchId
        if !follow {
            for chunk in try await output.chunks(of: location, from: progress.next) { progress.send(chunk, to: notifier) }
            return progress.answer(try await batches.batch(batchID) ?? batch)
        }
        let stream = output.follow(location, from: progress.next, interval: logsInterval) {
            try await batches.batch(batchID)?.isTerminal ?? true
        }
        let reading = Task { [progress] in
            var progress = progress
            for try await chunk in stream { progress.send(chunk, to: notifier) }
            return progress
        }
        // A caller that hangs up ends the read, as for job.logs.
        Task {
            await notifier.waitUntilDisconnected()
            reading.cancel()
        }
        progress = try await withTaskCancellationHandler {
            try await reading.value
        } onCancel: {
            reading.cancel()
        }
        return progress.answer(try await batches.batch(batchID) ?? batch)
    }

    /// The output URI Dataproc names for a created batch now, if any.
    private func remoteOutputURI(_ batch: BatchRecord) async throws -> String? {
        guard batch.submittedAt != nil else { return nil }
        let remote = try await service.client.batch(batch.upstreamID, at: batch.location)
        return remote["runtimeInfo"]?["outputUri"]?.stringValue
    }
}

/// How far a `batch.logs` call got: the next chunk to read, and what it sent.
private struct BatchLogsProgress: Sendable {
    let batchID: String
    var next: Int
    var chunks = 0
    var bytes = 0

    /// Sends `chunk` as a `batch.logs` notification and moves past it.
    mutating func send(_ chunk: DriverOutputChunk, to notifier: RPCNotifier) {
        notifier.notify(
            method: "batch.logs",
            params: [
                "batchId": .string(batchID), "chunk": .int(Int64(chunk.index)), "text": .string(String(decoding: chunk.data, as: UTF8.self)),
            ])
        next = chunk.index + 1
        chunks += 1
        bytes += chunk.data.count
    }

    /// The method's answer.
    func answer(_ batch: BatchRecord) -> JSONValue {
        [
            "batchId": .string(batch.batchId), "state": .string(batch.state), "nextChunk": .int(Int64(next)), "chunks": .int(Int64(chunks)),
            "bytes": .int(Int64(bytes)),
        ]
    }
}
