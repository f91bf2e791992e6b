import Foundation
import GatehouseRPC
import Synchronization

/// What one closed-loop load run measured.
struct LoadResult: Sendable {
    var clients: Int
    var requests: Int
    var seconds: Double
    var p50Micros: Double
    var p99Micros: Double
    var errors: Int

    var throughput: Double { Double(requests) / seconds }
}

/// Closed-loop clients on blocking Unix sockets: each sends one line, waits for one line, repeats.
///
/// Threads rather than tasks, so the client side costs the same for every server measured and
/// never competes with Swift's cooperative pool inside an in-process server.
enum RPCLoad {
    /// Runs `clients` connections against `socketPath` for `seconds` after a short warm-up.
    /// `request(i)` gives the line a client sends on its i-th call; `isSuccess` checks each reply.
    static func run(
        socketPath: String, clients: Int, seconds: Double, warmup: Double = 0.5,
        request: @escaping @Sendable (_ client: Int, _ call: Int) -> [UInt8],
        isSuccess: @escaping @Sendable ([UInt8]) -> Bool = { _ in true }
    ) throws -> LoadResult {
        let measuring = Atomic<Bool>(false)
        let stopping = Atomic<Bool>(false)
        let samples = Mutex<[[UInt64]]>([])
        let errors = Atomic<Int>(0)
        let connections = try (0..<clients).map { _ in try RPCClient(socketPath: socketPath) }
        let done = DispatchGroup()
        for (index, client) in connections.enumerated() {
            done.enter()
            let box = UncheckedBox(client)
            let thread = Thread {
                var latencies: [UInt64] = []
                latencies.reserveCapacity(200_000)
                var call = 0
                while !stopping.load(ordering: .relaxed) {
                    let line = request(index, call)
                    call += 1
                    let start = DispatchTime.now().uptimeNanoseconds
                    guard (try? box.value.send(line)) != nil, let reply = try? box.value.readLine() else {
                        errors.add(1, ordering: .relaxed)
                        break
                    }
                    let elapsed = DispatchTime.now().uptimeNanoseconds - start
                    if !isSuccess(reply) { errors.add(1, ordering: .relaxed) }
                    if measuring.load(ordering: .relaxed) { latencies.append(elapsed) }
                }
                samples.withLock { $0.append(latencies) }
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        Thread.sleep(forTimeInterval: warmup)
        let start = DispatchTime.now().uptimeNanoseconds
        measuring.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: seconds)
        measuring.store(false, ordering: .relaxed)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        stopping.store(true, ordering: .relaxed)
        done.wait()
        var all = samples.withLock { $0.flatMap { $0 } }
        all.sort()
        func percentile(_ p: Double) -> Double {
            guard !all.isEmpty else { return .nan }
            return Double(all[min(all.count - 1, Int(Double(all.count) * p))]) / 1000
        }
        return LoadResult(
            clients: clients, requests: all.count, seconds: elapsed, p50Micros: percentile(0.50), p99Micros: percentile(0.99),
            errors: errors.load(ordering: .relaxed))
    }
}

/// Lets a client that only one thread ever touches cross into that thread.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
